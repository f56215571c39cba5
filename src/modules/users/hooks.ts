import type { UserStatus } from './user.model';

/** What the users module publishes, inside the transaction of the change. */
export interface UserEvents {
  /**
   * An account was suspended or reactivated. Its sessions have already ended when it is suspended
   * (its token generation moved); other modules react to what the account may now do.
   */
  accountStatusChanged: { userId: string; status: UserStatus };
}
