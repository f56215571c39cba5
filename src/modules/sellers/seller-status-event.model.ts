import { BaseModel } from '../../db/base.model';
import type { SellerStatus } from './seller-profile.model';

/** Append-only audit trail of review decisions: who changed a seller's status, when and why. */
export class SellerStatusEvent extends BaseModel {
  static override tableName = 'seller_status_events';

  id!: string;
  sellerId!: string;
  fromStatus!: SellerStatus;
  toStatus!: SellerStatus;
  reason!: string;
  actorId!: string | null;
  createdAt!: string;
}
