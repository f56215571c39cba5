import type { Tx } from '../../db/tx';

/**
 * Search reads the seller's standing from the part rows (seller_listed, seller_type) rather than
 * joining on every query; whoever changes a seller's status, type or account calls this in the
 * same transaction, so search can never show a part of a suspended or unverified seller.
 */
export async function refreshSellerListing(tx: Tx, sellerId: string): Promise<void> {
  const seller = (await tx('seller_profiles')
    .join('users', 'users.id', 'seller_profiles.user_id')
    .where('seller_profiles.id', sellerId)
    .first('seller_profiles.status as sellerStatus', 'seller_profiles.seller_type as sellerType', 'users.status as userStatus')) as
    | { sellerStatus: string; sellerType: string; userStatus: string }
    | undefined;
  if (!seller) return;
  const listed = seller.sellerStatus === 'verified' && seller.userStatus === 'active';
  await tx('parts').where({ seller_id: sellerId }).update({ seller_listed: listed, seller_type: seller.sellerType });
}

/** The same, for the seller profile of an account (if it has one). */
export async function refreshUserListing(tx: Tx, userId: string): Promise<void> {
  const profile = (await tx('seller_profiles').where({ user_id: userId }).first('id')) as { id: string } | undefined;
  if (profile) await refreshSellerListing(tx, profile.id);
}
