import type { AuthContext } from '../../http/auth';
import type { Actor, NewEvent, TraceEvent } from '../trace/service';
import type { components } from '../../generated/api';
import { partView, type PartColumns, type PartView } from './part.model';

type PartEvent = components['schemas']['PartEvent'];

/**
 * What a listing's `stateHash` covers: what the seller wrote, its price, its stock and its status,
 * with the listing's and the seller's ids. Left out on purpose: what the listing shows of its
 * seller (name, type, city) and whether the seller is on the market, which follow the seller's
 * account and verification rather than anything written about the part, so a suspension never
 * makes an untouched listing fail its check; the derived `availability`, the search-only
 * `normalized` part numbers, and the bookkeeping (`version`, times), which the events carry.
 */
export function listingSnapshot(view: PartView) {
  return {
    id: view.id,
    sellerId: view.seller.id,
    title: view.title,
    description: view.description,
    category: view.category,
    brand: view.brand,
    partNumbers: view.partNumbers.map(({ number, kind }) => ({ number, kind })),
    origin: view.origin,
    condition: view.condition,
    grade: view.grade,
    price: view.price,
    coreCharge: view.coreCharge,
    quantity: view.quantity,
    location: view.location,
    warrantyMonths: view.warrantyMonths,
    images: view.images,
    fitment: view.fitment,
    donorVehicle: view.donorVehicle,
    status: view.status,
  };
}

export type ListingSnapshot = ReturnType<typeof listingSnapshot>;

/** Column names in camelCase, each converted once: a listing write converts some thirty of them. */
const camelNames = new Map<string, string>();
function camel(column: string): string {
  let name = camelNames.get(column);
  if (name === undefined) {
    name = column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    camelNames.set(column, name);
  }
  return name;
}

/** The snapshot of a `parts` row about to be written (column names as stored), as it will read back. */
export function snapshotOfRow(row: Record<string, unknown>): ListingSnapshot {
  const columns = Object.fromEntries(Object.entries(row).map(([k, v]) => [camel(k), v])) as unknown as PartColumns;
  return listingSnapshot(partView(columns));
}

export const actorOf = (auth: AuthContext): Actor => ({ type: 'user', userId: auth.userId, role: auth.role });

export const partEvent = (partId: string, type: string, actor: Actor, payload: Record<string, unknown>, state: ListingSnapshot): NewEvent => ({
  subject: { type: 'part', id: partId },
  type,
  actor,
  payload,
  state,
});

/**
 * The fields an edit changed, before and after, the price apart (it has an event of its own).
 * Compared as JSON: the snapshot's values are plain data.
 */
export function changedFields(before: ListingSnapshot, after: ListingSnapshot): Record<string, { before: unknown; after: unknown }> {
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  for (const key of Object.keys(after) as (keyof ListingSnapshot)[]) {
    if (key === 'price') continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changes[key] = { before: before[key], after: after[key] };
  }
  return changes;
}

/** An event as the contract shows it. */
export function partEventView(event: TraceEvent): PartEvent {
  return {
    partId: event.subject.id,
    seq: event.seq,
    type: event.type as PartEvent['type'],
    actor: event.actor,
    occurredAt: event.occurredAt,
    payload: event.payload,
    stateHash: event.stateHash,
    prevHash: event.prevHash,
    hash: event.hash,
    logIndex: event.logIndex,
  };
}
