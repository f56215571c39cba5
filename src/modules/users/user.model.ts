import { BaseModel } from '../../db/base.model';
import type { components } from '../../generated/api';

export type Role = components['schemas']['Role'];
export type UserStatus = components['schemas']['UserStatus'];
export type UserView = components['schemas']['User'];

export class User extends BaseModel {
  static override tableName = 'users';

  id!: string;
  email!: string;
  passwordHash!: string;
  displayName!: string;
  role!: Role;
  status!: UserStatus;
  statusReason!: string | null;
  /** Bumped to revoke every token of the account (password change, suspension). */
  tokenGeneration!: number;
  createdAt!: string;
  updatedAt!: string;

  /** The public shape: never the password hash. */
  toView(): UserView {
    return {
      id: this.id,
      email: this.email,
      displayName: this.displayName,
      role: this.role,
      status: this.status,
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
    };
  }
}

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();
