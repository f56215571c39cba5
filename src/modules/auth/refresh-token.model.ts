import { BaseModel } from '../../db/base.model';

export class RefreshToken extends BaseModel {
  static override tableName = 'refresh_tokens';

  id!: string;
  userId!: string;
  familyId!: string;
  tokenHash!: string;
  expiresAt!: string;
  usedAt!: string | null;
  revokedAt!: string | null;
  createdAt!: string;
}
