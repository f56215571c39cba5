/** Unique-constraint violations, as reported by PostgreSQL (23505) and SQLite. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; nativeError?: { code?: string } } | null;
  const code = e?.code ?? e?.nativeError?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
