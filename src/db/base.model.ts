import { Model, snakeCaseMappers } from 'objection';

/** Tables are snake_case, models camelCase; ids and timestamps are set by services, not the database. */
export class BaseModel extends Model {
  static override get columnNameMappers() {
    return snakeCaseMappers();
  }
}
