import { randomUUID } from 'node:crypto';
import type { Money } from '../../money';

/**
 * Where deposits come from: a payment provider charges the user's card or account and says
 * whether the money settled. The service calls it once the deposit passed its checks, inside the
 * deposit's transaction, so a charge that settles and its credit commit together (a provider
 * that answers later, by webhook, would settle a pending deposit instead: not built).
 */
export type ChargeResult = { status: 'settled'; providerReference: string } | { status: 'declined'; reason: string };

export type PayoutResult = { status: 'paid'; providerReference: string } | { status: 'failed'; reason: string };

/** A bank account money is sent to, as the user gave it (validated: withdrawals.ts). */
export type Destination = { rib: string } | { iban: string };

export interface PaymentProvider {
  readonly name: string;
  /** `reference` is the provider's idempotency key: the same request charged once. */
  charge(request: { reference: string; amount: Money }): Promise<ChargeResult>;
  /** Sends money to a bank account; `reference` (the withdrawal's id) makes a retry pay once. */
  payout(request: { reference: string; amount: Money; destination: Destination }): Promise<PayoutResult>;
}

/** The provider did not answer in time, or there is none: nothing was charged, try again later. */
export class ProviderUnavailable extends Error {
  override readonly name = 'ProviderUnavailable';
}

/** Amounts whose minor units end so (100.13 MAD, 100.98 MAD) make the sandbox decline (a charge or a payout) or time out (a charge). */
export const SANDBOX_DECLINE_ENDING = 13;
export const SANDBOX_TIMEOUT_ENDING = 98;

/** Settles every charge at once, except the documented test amounts. For development and tests only. */
export function sandboxProvider(): PaymentProvider {
  return {
    name: 'sandbox',
    async charge({ amount }) {
      const ending = amount.amount % 100;
      if (ending === SANDBOX_DECLINE_ENDING) return { status: 'declined', reason: 'The sandbox declines amounts ending in .13.' };
      if (ending === SANDBOX_TIMEOUT_ENDING) throw new ProviderUnavailable('The sandbox times out on amounts ending in .98.');
      return { status: 'settled', providerReference: `sandbox_${randomUUID()}` };
    },
    async payout({ amount }) {
      if (amount.amount % 100 === SANDBOX_DECLINE_ENDING) return { status: 'failed', reason: 'The sandbox fails payouts of amounts ending in .13.' };
      return { status: 'paid', providerReference: `sandbox_payout_${randomUUID()}` };
    },
  };
}

/** No provider configured (the production default until one is): every deposit is refused. */
export const noProvider: PaymentProvider = {
  name: 'none',
  async charge() {
    throw new ProviderUnavailable('Deposits are not available: no payment provider is configured.');
  },
  async payout() {
    throw new ProviderUnavailable('Withdrawals are not available: no payment provider is configured.');
  },
};
