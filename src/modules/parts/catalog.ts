import type { Db } from '../../db/knex';
import type { components } from '../../generated/api';
import { normalizePartNumber, vehicleKey } from './normalize';
import { equivalentNumbers } from './search';
import { onMarket, type ReadPartViews } from './views';

type Comparison = components['schemas']['Comparison'];
type VehicleMakeList = components['schemas']['VehicleMakeList'];
type VehicleModelList = components['schemas']['VehicleModelList'];

const MAX_OFFERS = 100;


/** What the comparator shows beside each offer: its seller's rating, and the listing's defect rate. */
export interface OfferFigures {
  sellerRatings(sellerIds: readonly string[]): Promise<Map<string, { average: number | null }>>;
  defectRates(partIds: readonly string[]): Promise<Map<string, DefectRate>>;
}
type DefectRate = components['schemas']['DefectRate'];

/**
 * The comparator: every visible offer for a number or its cross references, cheapest first
 * counting the core charge (the deposit is paid up front), each with its seller's average rating
 * and its defect rate (null until something was sold, rather than a misleading 0).
 */
export async function compareOffers(db: Db, readViews: ReadPartViews, figures: OfferFigures, partNumber: string): Promise<Comparison> {
  const numbers = await equivalentNumbers(db, partNumber);
  const rows = (await onMarket(db)
    .whereIn('parts.id', db('part_numbers').select('part_id').whereIn('normalized', numbers))
    .select('parts.id')
    .orderByRaw('parts.price_amount + COALESCE(parts.core_charge_amount, 0) ASC, parts.id ASC')
    .limit(MAX_OFFERS + 1)) as { id: string }[];
  const views = await readViews(rows.slice(0, MAX_OFFERS).map((r) => r.id));
  const wanted = new Set(numbers);
  const [ratings, defects] = [await figures.sellerRatings(views.map((v) => v.seller.id)), await figures.defectRates(views.map((v) => v.id))];
  return {
    partNumber: normalizePartNumber(partNumber),
    equivalentNumbers: numbers,
    truncated: rows.length > MAX_OFFERS,
    offers: views.map((v) => ({
      partId: v.id,
      title: v.title,
      brand: v.brand,
      origin: v.origin,
      condition: v.condition,
      grade: v.grade,
      price: v.price,
      coreCharge: v.coreCharge,
      total: { amount: v.price.amount + (v.coreCharge?.amount ?? 0), currency: v.price.currency },
      quantity: v.quantity,
      availability: v.availability,
      matchedNumbers: v.partNumbers.map((p) => p.normalized).filter((n) => wanted.has(n)),
      seller: v.seller,
      sellerRating: ratings.get(v.seller.id)?.average ?? null,
      defectRate: defects.get(v.id) ?? { defective: 0, sold: 0, rate: null },
    })),
  };
}

/** Makes that visible listings fit, for year-make-model pickers; spelled as most listings spell them. */
export async function vehicleMakes(db: Db): Promise<VehicleMakeList> {
  const rows = (await db('part_fitments')
    .whereIn('part_id', onMarket(db).select('parts.id'))
    .select('make_key')
    .min({ make: 'make' })
    .countDistinct({ partCount: 'part_id' })
    .groupBy('make_key')
    .orderBy('make_key')) as { make: string; partCount: number | string }[];
  return { data: rows.map((r) => ({ make: r.make, partCount: Number(r.partCount) })) };
}

export async function vehicleModels(db: Db, make: string): Promise<VehicleModelList> {
  const rows = (await db('part_fitments')
    .where('make_key', vehicleKey(make))
    .whereIn('part_id', onMarket(db).select('parts.id'))
    .select('model_key')
    .min({ model: 'model', makeName: 'make', yearFrom: 'year_from' })
    .max({ yearTo: 'year_to' })
    .countDistinct({ partCount: 'part_id' })
    .groupBy('model_key')
    .orderBy('model_key')) as { model: string; makeName: string; yearFrom: number; yearTo: number; partCount: number | string }[];
  return {
    make: rows[0]?.makeName ?? make.trim(),
    data: rows.map((r) => ({ model: r.model, partCount: Number(r.partCount), yearFrom: Number(r.yearFrom), yearTo: Number(r.yearTo) })),
  };
}
