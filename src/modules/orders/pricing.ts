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
 * core charges, which are deposits refunded when the old part comes back), rounded half up to the
 * minor unit. In BigInt: a subtotal near 10^15 times 10,000 basis points is beyond 2^53.
 */
export function commissionOf(subtotal: number, bps: number): number {
  return Number((BigInt(subtotal) * BigInt(bps) + 5_000n) / 10_000n);
}

/** A seller's lines priced: subtotal, core charges, the seller's shipping fee, commission and total. */
export function priceOrder(lines: readonly ReservedPart[], shippingFee: number, commissionBps: number): OrderAmounts {
  const subtotal = lines.reduce((sum, line) => sum + line.unitPrice * line.quantity, 0);
  const coreCharges = lines.reduce((sum, line) => sum + line.coreCharge * line.quantity, 0);
  if (!Number.isSafeInteger(subtotal + coreCharges + shippingFee)) throw new RangeError('An order total beyond 2^53 - 1 minor units');
  return { subtotal, coreCharges, shippingFee, commissionBps, commission: commissionOf(subtotal, commissionBps), total: subtotal + coreCharges + shippingFee };
}
