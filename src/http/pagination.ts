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

export function decodeCursor(cursor: string | undefined, fields: readonly string[]): Record<string, string | number> | null {
  if (cursor === undefined) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const record = parsed as Record<string, unknown>;
      const keys = Object.keys(record);
      const valid =
        keys.length === fields.length &&
        fields.every((f) => typeof record[f] === 'string' || typeof record[f] === 'number') &&
        // Ids go into comparisons with uuid columns: anything else is not a cursor we issued.
        (record.id === undefined || isUuid(record.id));
      if (valid) return record as Record<string, string | number>;
    }
  } catch {
    // fall through to the problem below
  }
  throw invalidCursor();
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
