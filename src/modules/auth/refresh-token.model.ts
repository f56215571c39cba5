import { BaseModel } from '../../db/base.model';

export class RefreshToken extends BaseModel {
  static override tableName = 'refresh_tokens';

  id!: string;
  userId!: string;
  familyId!: string;
  tokenHash!: string;
  /** The user's token generation at issue: a token of an older generation is dead. */
  generation!: number;
  expiresAt!: string;
  usedAt!: string | null;
  revokedAt!: string | null;
  createdAt!: string;
}
