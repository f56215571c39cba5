import { money, splitByRate } from '../../money';
import type { ReservedPart } from '../parts/service';

/** A seller order's amounts in minor units, frozen when it is placed. */
export interface OrderAmounts {
  subtotal: number;
  coreCharges: number;
  shippingFee: number;
  commissionBps: number;
  commission: number;
  total: number;
}

/**
 * The commission is the rate's share of the subtotal (the goods; not the shipping fee, nor the
 * core charges, which are deposits refunded when the old part comes back), rounded to the minor
 * unit as every split of money is (`splitByRate`: half to even).
 */
export function commissionOf(subtotal: number, bps: number, currency: string): number {
  return splitByRate(money(subtotal, currency), { numerator: BigInt(bps), denominator: 10_000n }).part.amount;
}

/** A seller's lines priced: subtotal, core charges, the seller's shipping fee, commission and total. */
export function priceOrder(lines: readonly ReservedPart[], shippingFee: number, commissionBps: number, currency: string): OrderAmounts {
  const subtotal = lines.reduce((sum, line) => sum + line.unitPrice * line.quantity, 0);
  const coreCharges = lines.reduce((sum, line) => sum + line.coreCharge * line.quantity, 0);
  if (!Number.isSafeInteger(subtotal + coreCharges + shippingFee)) throw new RangeError('An order total beyond 2^53 - 1 minor units');
  return { subtotal, coreCharges, shippingFee, commissionBps, commission: commissionOf(subtotal, commissionBps, currency), total: subtotal + coreCharges + shippingFee };
}
