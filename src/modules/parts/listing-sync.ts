import type { Tx } from '../../db/tx';
import type { SellerEvents } from '../sellers/hooks';

/**
 * Search and the listings' views read the seller's standing and summary from the part rows
 * (seller_listed, seller_type, seller_legal_name, seller_city) rather than from the sellers
 * module's table. The sellers module publishes every change of it; this applies it in the
 * same transaction, so search can never show a part of a suspended or unverified seller.
 */
export async function applySellerStanding(tx: Tx, seller: SellerEvents['sellerStandingChanged']): Promise<void> {
  await tx('parts').where({ seller_id: seller.sellerId }).update({
    seller_listed: seller.listed,
    seller_type: seller.sellerType,
    seller_legal_name: seller.legalName,
    seller_city: seller.city,
  });
}
