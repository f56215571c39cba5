/** Ids are UUIDs (v7) in lower-case text form, stored as uuid on PostgreSQL. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether a string can be compared with an id column (PostgreSQL refuses anything else with an error). */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
