import { dialectOf, type Db } from '../db/knex';
import { insertListings, withSecondaryIndexesDeferred, type NewPart } from './bulk-load';
import type { PartInput } from '../modules/parts/rules';
import { DESCRIPTIONS, PART_TYPES, VEHICLES } from './catalog-data';

/** mulberry32: a tiny, fast, seedable generator; the same seed gives the same catalogue everywhere. */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  return { next, int, pick };
}

/** FNV-1a: stable digits for a part family's numbers, so the same family always has the same references. */
function digits(key: string, length: number): string {
  let h = 0x811c9dc5;
  let out = '';
  for (let round = 0; out.length < length; round += 1) {
    for (const ch of `${key}#${round}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    out += String(h % 100000).padStart(5, '0');
  }
  return out.slice(0, length);
}

/** Each maker prints its references its own way; buyers type them any way, which normalisation absorbs. */
function oemNumber(make: string, key: string): string {
  const d = digits(`oem:${key}`, 10);
  switch (make) {
    case 'Dacia':
    case 'Renault':
      return `${d.slice(0, 2)} ${d.slice(2, 4)} ${d.slice(4, 7)} ${d.slice(7, 10)}`;
    case 'Peugeot':
    case 'Citroën':
      return `${d.slice(0, 4)}.${d.slice(4, 6)}`;
    case 'Volkswagen':
      return `${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6, 9)} A`;
    case 'Mercedes-Benz':
      return `A ${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6, 8)} ${d.slice(8, 10)}`;
    default:
      return `${d.slice(0, 5)}-${d.slice(5, 10)}`;
  }
}

const aftermarketNumber = (brand: string, key: string): string => {
  const d = digits(`${brand}:${key}`, 10);
  return brand === 'Bosch' ? `0 ${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6, 9)}` : `${brand.slice(0, 2).toUpperCase()}${d.slice(0, 7)}`;
};

export interface CatalogSeller {
  id: string;
  sellerType: string;
  legalName: string;
  city: string;
}

/** A UUID v7 from a time and the generator, so ids are deterministic and time-ordered like real ones. */
function uuidV7(ms: number, random: () => number): string {
  const hex = (n: number, width: number) => Math.floor(n).toString(16).padStart(width, '0');
  const time = hex(ms, 12);
  const r = Array.from({ length: 5 }, () => hex(random() * 0x10000, 4));
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${r[0]!.slice(1)}-${hex(0x8000 | (Number.parseInt(r[1]!, 16) & 0x3fff), 4)}-${r[2]}${r[3]}${r[4]}`;
}

const CATALOG_EPOCH = Date.parse('2026-01-01T00:00:00.000Z');

/** Listing number `index` of the demo catalogue: the same index always gives the same listing. */
export function catalogPart(index: number, sellers: CatalogSeller[]): NewPart {
  const rnd = generator(index * 2654435761 + 17);
  const type = rnd.pick(PART_TYPES);
  const nameIndex = rnd.int(0, type.names.length - 1);
  const name = type.names[nameIndex] as string;
  const vehicle = rnd.pick(VEHICLES);
  const model = rnd.pick(vehicle.models);
  const seller = sellers[index % sellers.length] as CatalogSeller;
  const familyKey = `${type.category}|${nameIndex}|${vehicle.make}|${model.name}`;
  const oem = oemNumber(vehicle.make, familyKey);

  const scrapyard = seller.sellerType === 'scrapyard' || seller.sellerType === 'individual';
  const roll = rnd.next();
  const condition: PartInput['condition'] = scrapyard ? (roll < 0.85 ? 'used' : 'refurbished') : roll < 0.85 ? 'new' : roll < 0.95 ? 'refurbished' : 'used';
  const origin: PartInput['origin'] = condition === 'used' || seller.sellerType === 'dealer' || rnd.next() < 0.3 ? 'oem' : 'aftermarket';
  const brand = origin === 'oem' ? vehicle.make : rnd.pick(type.brands);
  const partNumbers: PartInput['partNumbers'] =
    origin === 'oem'
      ? [{ number: oem, kind: 'oem' }]
      : [{ number: aftermarketNumber(brand, familyKey), kind: 'aftermarket' }, { number: oem, kind: 'interchange' }];

  const [low, high] = type.price;
  const base = rnd.int(low, high) * 100;
  const factor = condition === 'used' ? 0.45 : condition === 'refurbished' ? 0.7 : origin === 'oem' ? 1.25 : 1;
  const price = Math.max(1000, Math.round((base * factor) / 100) * 100);
  const yearFrom = rnd.int(model.from, Math.max(model.from, model.to - 4));
  const yearTo = Math.min(model.to, yearFrom + rnd.int(3, 10));
  const fitment: NonNullable<PartInput['fitment']> = [{ make: vehicle.make, model: model.name, yearFrom, yearTo, engine: rnd.pick(model.engines) }];
  const sibling = rnd.pick(vehicle.models);
  if (sibling.name !== model.name && rnd.next() < 0.4) {
    fitment.push({ make: vehicle.make, model: sibling.name, yearFrom: sibling.from, yearTo: Math.min(sibling.to, sibling.from + 8) });
  }
  const used = condition === 'used';
  const input: PartInput = {
    title: `${name} ${vehicle.make} ${model.name}`,
    description: `${name} pour ${vehicle.make} ${model.name} ${yearFrom}–${yearTo}. ${rnd.pick(DESCRIPTIONS)}`,
    category: type.category as PartInput['category'],
    brand,
    partNumbers,
    origin,
    condition,
    grade: used ? rnd.pick(['A', 'B', 'B', 'C'] as const) : undefined,
    price: { amount: price, currency: 'MAD' },
    coreCharge: type.core && condition === 'refurbished' ? { amount: Math.round(price / 500) * 100 + 5000, currency: 'MAD' } : undefined,
    quantity: rnd.next() < 0.1 ? 0 : used ? 1 : rnd.int(1, 40),
    location: { city: seller.city, country: 'MA' },
    warrantyMonths: used ? rnd.pick([0, 1, 3]) : rnd.pick([6, 12, 24]),
    images: [`https://images.otomoto.ma/demo/${type.category}/${(index % 97) + 1}.jpg`],
    fitment,
    donorVehicle: used ? { make: vehicle.make, model: model.name, year: rnd.int(yearFrom, yearTo), mileageKm: rnd.int(60, 320) * 1000 } : undefined,
    status: 'active',
  };
  return { id: uuidV7(CATALOG_EPOCH + index * 10_000, rnd.next), sellerId: seller.id, sellerType: seller.sellerType, sellerLegalName: seller.legalName, sellerCity: seller.city, createdAt: new Date(CATALOG_EPOCH + index * 10_000).toISOString(), input };
}

const BATCH = 25_000;
/** Above this many new listings, rebuilding indexes after the load beats maintaining them. */
const BULK_LOAD_THRESHOLD = 50_000;

/**
 * Tops the catalogue up to `target` listings, continuing from what is there: the demo seed is
 * idempotent, and `--parts 1000000` after it only adds the missing ones.
 */
export async function seedCatalog(db: Db, sellers: CatalogSeller[], target: number, onProgress?: (done: number) => void): Promise<number> {
  if (sellers.length === 0) return 0;
  const row = (await db('parts').count({ n: '*' }).first()) as { n: number | string };
  const existing = Number(row.n);
  const load = async () => {
    for (let start = existing; start < target; start += BATCH) {
      const end = Math.min(target, start + BATCH);
      const batch: NewPart[] = [];
      for (let i = start; i < end; i += 1) batch.push(catalogPart(i, sellers));
      await insertListings(db, batch);
      onProgress?.(end);
    }
  };
  if (target - existing > BULK_LOAD_THRESHOLD) {
    await withSecondaryIndexesDeferred(db, load);
    // Fresh planner statistics, or the first queries on a big catalogue pick the wrong index.
    if (dialectOf(db) === 'sqlite') await db.raw('ANALYZE');
  } else {
    await load();
  }
  return Math.max(0, target - existing);
}
