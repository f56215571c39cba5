import { BaseModel } from '../../db/base.model';
import type { components } from '../../generated/api';
import type { SellerType } from '../sellers/service';

export type PartView = components['schemas']['Part'];
export type PartStatus = components['schemas']['PartStatus'];
export type PartNumberView = components['schemas']['PartNumber'];
export type FitmentView = components['schemas']['Fitment'];
export type DonorVehicleView = components['schemas']['DonorVehicle'];
export type PartSellerView = components['schemas']['PartSeller'];

/** Every column a listing is read from; never the search index columns (a tsvector is large). */
export const PART_READ_COLUMNS = [
  'id', 'seller_id', 'title', 'description', 'category', 'brand', 'origin', 'condition', 'grade', 'price_amount', 'price_currency',
  'core_charge_amount', 'core_charge_currency', 'quantity', 'city', 'city_key', 'country', 'warranty_months', 'part_numbers_json',
  'fitment_json', 'images_json', 'donor_vehicle_json', 'status', 'seller_listed', 'seller_type', 'seller_legal_name', 'seller_city', 'version', 'created_at', 'updated_at',
].map((c) => `parts.${c}`);

const parseJson = <T>(json: string | null): T | null => (json === null ? null : (JSON.parse(json) as T));

export class Part extends BaseModel {
  static override tableName = 'parts';

  id!: string;
  sellerId!: string;
  title!: string;
  description!: string;
  category!: PartView['category'];
  brand!: string;
  origin!: PartView['origin'];
  condition!: PartView['condition'];
  grade!: 'A' | 'B' | 'C' | null;
  priceAmount!: number;
  priceCurrency!: string;
  coreChargeAmount!: number | null;
  coreChargeCurrency!: string | null;
  quantity!: number;
  city!: string;
  cityKey!: string;
  country!: string;
  warrantyMonths!: number;
  partNumbersJson!: string;
  fitmentJson!: string;
  imagesJson!: string;
  donorVehicleJson!: string | null;
  status!: PartStatus;
  sellerListed!: boolean;
  sellerType!: SellerType;
  sellerLegalName!: string;
  sellerCity!: string;
  version!: number;
  createdAt!: string;
  updatedAt!: string;

  /** Listings without their search columns. */
  static read(db: Parameters<typeof Part.query>[0]) {
    return Part.query(db).select(PART_READ_COLUMNS);
  }

  get etag(): string {
    return partEtag(this.version);
  }

  toView(): PartView {
    return partView(this);
  }
}

/** A listing's columns under the model's property names: a Part, or a row read straight from the driver. */
export type PartColumns = Pick<Part, Exclude<keyof Part, keyof BaseModel | 'etag' | 'toView'>>;

export const partEtag = (version: number): string => `"${version}"`;

/** The listing as the API shows it. */
export function partView(p: PartColumns): PartView {
  return {
    id: p.id,
    seller: { id: p.sellerId, legalName: p.sellerLegalName, sellerType: p.sellerType, city: p.sellerCity },
    title: p.title,
    description: p.description,
    category: p.category,
    brand: p.brand,
    partNumbers: parseJson<PartNumberView[]>(p.partNumbersJson) ?? [],
    origin: p.origin,
    condition: p.condition,
    grade: p.grade,
    price: { amount: p.priceAmount, currency: p.priceCurrency },
    coreCharge: p.coreChargeAmount === null ? null : { amount: p.coreChargeAmount, currency: p.coreChargeCurrency ?? p.priceCurrency },
    quantity: p.quantity,
    availability: p.quantity > 0 ? 'in_stock' : 'out_of_stock',
    location: { city: p.city, country: p.country },
    warrantyMonths: p.warrantyMonths,
    images: parseJson<string[]>(p.imagesJson) ?? [],
    fitment: parseJson<FitmentView[]>(p.fitmentJson) ?? [],
    donorVehicle: parseJson<DonorVehicleView>(p.donorVehicleJson),
    status: p.status,
    version: p.version,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}
