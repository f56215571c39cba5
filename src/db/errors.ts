/**
 * What went wrong in the database, in the same words for both drivers. Services test for the
 * kinds they expect (an email already taken is a `unique` violation they turn into their own
 * problem); the problem handler maps whatever reaches it, so that no database error becomes a 500
 * by accident and none shows its SQL.
 */
export type DbErrorKind =
  /** A unique or primary-key constraint: the row exists already. */
  | 'unique'
  /** A foreign key: the row refers to one that does not exist (or is still referred to). */
  | 'foreign-key'
  /** A CHECK or NOT NULL constraint: a value the schema refuses. */
  | 'check'
  /** The database refused the transaction for a conflict with another: run it again. */
  | 'serialization'
  /** A value the database cannot take as text or as its type (a NUL byte, a number out of range). */
  | 'invalid-value';

/** SQLSTATE classes and codes of PostgreSQL (Appendix A of its manual). */
const POSTGRES: Record<string, DbErrorKind> = {
  '23505': 'unique',
  '23503': 'foreign-key',
  '23514': 'check',
  '23502': 'check',
  '40001': 'serialization', // serialization_failure
  '40P01': 'serialization', // deadlock_detected
  '55P03': 'serialization', // lock_not_available
  '22P02': 'invalid-value', // invalid_text_representation
  '22021': 'invalid-value', // character_not_in_repertoire (a NUL byte)
  '22001': 'invalid-value', // string_data_right_truncation
  '22003': 'invalid-value', // numeric_value_out_of_range
  '22007': 'invalid-value', // invalid_datetime_format
  '22008': 'invalid-value', // datetime_field_overflow
};

/** better-sqlite3's extended result codes. */
const SQLITE: Record<string, DbErrorKind> = {
  SQLITE_CONSTRAINT_UNIQUE: 'unique',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'unique',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign-key',
  SQLITE_CONSTRAINT_CHECK: 'check',
  SQLITE_CONSTRAINT_NOTNULL: 'check',
  SQLITE_BUSY: 'serialization',
  SQLITE_BUSY_SNAPSHOT: 'serialization',
  SQLITE_BUSY_RECOVERY: 'serialization',
  SQLITE_LOCKED: 'serialization',
  SQLITE_TOOBIG: 'invalid-value',
  SQLITE_MISMATCH: 'invalid-value',
};

/** The kind of a database error, or undefined for anything else (a bug, a lost connection). */
export function dbErrorKind(err: unknown): DbErrorKind | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; nativeError?: { code?: unknown } };
  const code = typeof e.code === 'string' ? e.code : e.nativeError?.code;
  if (typeof code !== 'string') return undefined;
  return POSTGRES[code] ?? SQLITE[code];
}

export const isUniqueViolation = (err: unknown): boolean => dbErrorKind(err) === 'unique';
