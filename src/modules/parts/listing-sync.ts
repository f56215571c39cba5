import type { Tx } from '../../db/tx';
import type { SellerEvents } from '../sellers/hooks';

/**
 * Search reads the seller's standing from the part rows (seller_listed, seller_type) rather than
 * joining on every query. The sellers module publishes every change of it; this applies it in the
 * same transaction, so search can never show a part of a suspended or unverified seller.
 */
export async function applySellerStanding(tx: Tx, { sellerId, listed, sellerType }: SellerEvents['sellerStandingChanged']): Promise<void> {
  await tx('parts').where({ seller_id: sellerId }).update({ seller_listed: listed, seller_type: sellerType });
}
