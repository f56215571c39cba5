import type { SellerType } from './seller-profile.model';

/** What the sellers module publishes, inside the transaction of the change. */
export interface SellerEvents {
  /**
   * What buyers may see of a seller changed: verified or not with an active account (`listed`),
   * or what listings show of it (type, name, city). Sent on every review decision, every profile edit and every suspension or
   * reactivation of the seller's account.
   */
  sellerStandingChanged: { sellerId: string; listed: boolean; sellerType: SellerType; legalName: string; city: string };
}
