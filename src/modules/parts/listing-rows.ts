import { cityKey } from '../sellers/service';
import { normalizePartNumber, searchDocument, searchTokens, vehicleKey } from './normalize';
import type { PartInput } from './rules';

export interface NewPart {
  id: string;
  sellerId: string;
  sellerType: string;
  /** What the listing shows of its seller; kept current by the sellers module's events. */
  sellerLegalName: string;
  sellerCity: string;
  createdAt: string;
  input: PartInput;
}

/** The whole `parts` row of a new listing of a verified seller, whether it comes from the API or the seed. */
export function newPartRow(p: NewPart): Record<string, unknown> {
  return {
    id: p.id,
    seller_id: p.sellerId,
    ...contentColumns(p.input),
    quantity: p.input.quantity,
    status: p.input.status ?? 'active',
    seller_listed: true,
    seller_type: p.sellerType,
    seller_legal_name: p.sellerLegalName,
    seller_city: p.sellerCity,
    version: 1,
    created_at: p.createdAt,
    updated_at: p.createdAt,
  };
}

/** Columns of `parts` that come from what the seller wrote (not status, stock or bookkeeping). */
export function contentColumns(input: PartInput): Record<string, unknown> {
  const partNumbers = input.partNumbers.map((p) => ({ number: p.number, normalized: normalizePartNumber(p.number), kind: p.kind }));
  return {
    title: input.title,
    title_search: searchTokens(input.title).join(' '),
    description: input.description ?? '',
    category: input.category,
    brand: input.brand,
    origin: input.origin,
    condition: input.condition,
    grade: input.condition === 'used' ? (input.grade ?? null) : null,
    price_amount: input.price.amount,
    price_currency: input.price.currency,
    core_charge_amount: input.coreCharge?.amount ?? null,
    core_charge_currency: input.coreCharge?.currency ?? null,
    city: input.location.city,
    city_key: cityKey(input.location.city),
    country: input.location.country,
    warranty_months: input.warrantyMonths ?? 0,
    part_numbers_json: JSON.stringify(partNumbers),
    fitment_json: JSON.stringify(input.fitment ?? []),
    images_json: JSON.stringify(input.images ?? []),
    donor_vehicle_json: input.donorVehicle ? JSON.stringify(input.donorVehicle) : null,
  };
}

/** The rows search uses to match numbers and vehicles, in the order the seller gave them. */
export function childRows(partId: string, input: PartInput): { numbers: Record<string, unknown>[]; fitments: Record<string, unknown>[] } {
  return {
    numbers: input.partNumbers.map((p, position) => ({ part_id: partId, position, number: p.number, normalized: normalizePartNumber(p.number), kind: p.kind })),
    fitments: (input.fitment ?? []).map((f, position) => ({
      part_id: partId,
      position,
      make_key: vehicleKey(f.make),
      model_key: vehicleKey(f.model),
      make: f.make,
      model: f.model,
      year_from: f.yearFrom,
      year_to: f.yearTo,
    })),
  };
}

/** Title, and the rest of what search matches (description, brand, numbers). */
export const searchDocumentOf = (input: PartInput) =>
  searchDocument({ title: input.title, description: input.description ?? '', brand: input.brand, partNumbers: input.partNumbers });

/** Everything a new listing is stored as, built in one place for every writer. */
export interface ListingRows {
  part: Record<string, unknown>;
  numbers: Record<string, unknown>[];
  fitments: Record<string, unknown>[];
  document: { title: string; body: string };
}

export function listingRows(p: NewPart): ListingRows {
  return { part: newPartRow(p), ...childRows(p.id, p.input), document: searchDocumentOf(p.input) };
}
