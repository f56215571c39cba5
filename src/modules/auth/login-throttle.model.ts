import { BaseModel } from '../../db/base.model';

export class LoginThrottle extends BaseModel {
  static override tableName = 'login_throttles';
  static override idColumn = 'key';

  key!: string;
  failures!: number;
  windowStartedAt!: string;
}
