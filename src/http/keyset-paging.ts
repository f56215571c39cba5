import type { Model, QueryBuilder } from 'objection';
import { cursorField, decodeCursor, DEFAULT_LIMIT, toPage, type Page } from './pagination';

export interface PageRequest {
  limit?: number;
  cursor?: string;
}

/**
 * Keyset pagination on the UUID v7 primary key, newest first: ids are time-ordered, so the
 * order is stable and a page never repeats or skips rows when others are inserted meanwhile.
 */
export async function pageNewestFirst<M extends Model, Item>(
  query: QueryBuilder<M, M[]>,
  request: PageRequest,
  map: (row: M) => Item,
  idColumn = 'id',
): Promise<Page<Item>> {
  const limit = request.limit ?? DEFAULT_LIMIT;
  const after = decodeCursor(request.cursor, { id: cursorField.id });
  if (after) query.where(idColumn, '<', String(after.id));
  const rows = await query.orderBy(idColumn, 'desc').limit(limit + 1);
  return toPage(rows, limit, (row) => ({ id: String((row as unknown as { id: string }).id) }), map);
}
