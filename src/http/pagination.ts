import { isUuid } from '../db/ids';
import { Problem } from './problems';

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export const DEFAULT_LIMIT = 20;


/** Cursors are base64url JSON of the last row's sort key, so clients cannot fabricate offsets. */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** What each field of a cursor may hold; anything else is not a cursor this API issued. */
export type CursorShape = Readonly<Record<string, (value: unknown) => boolean>>;

/** Checks for cursor fields: ids go into comparisons with uuid columns, sort keys with typed columns. */
export const cursorField = {
  id: (value: unknown): boolean => isUuid(value),
  /** A money amount in minor units, as the contract bounds it. */
  amount: (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= 100_000_000_000,
  oneOf:
    (...allowed: readonly (string | number)[]) =>
    (value: unknown): boolean =>
      (typeof value === 'string' || typeof value === 'number') && allowed.includes(value),
} as const;

export function decodeCursor(cursor: string | undefined, shape: CursorShape): Record<string, string | number> | null {
  if (cursor === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidCursor();
  const record = parsed as Record<string, unknown>;
  const fields = Object.keys(shape);
  const valid = Object.keys(record).length === fields.length && fields.every((f) => (shape[f] as (value: unknown) => boolean)(record[f]));
  if (!valid) throw invalidCursor();
  return record as Record<string, string | number>;
}

export const invalidCursor = (): Problem =>
  new Problem('invalid-cursor', 'The cursor is not one this API issued for this list; restart from the first page.', {
    errors: [{ path: '/query/cursor', message: 'invalid cursor' }],
  });

/** Turns `limit + 1` fetched rows into a page: the extra row only tells that another page exists. */
export function toPage<Row, Item>(rows: Row[], limit: number, cursorOf: (row: Row) => Record<string, string | number>, map: (row: Row) => Item): Page<Item> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { data: pageRows.map(map), nextCursor: hasMore && last !== undefined ? encodeCursor(cursorOf(last)) : null };
}
