import { BaseModel } from '../../db/base.model';
import type { components } from '../../generated/api';

export type SellerType = components['schemas']['SellerType'];
export type SellerTypeLabel = components['schemas']['SellerTypeLabel'];
export type SellerStatus = components['schemas']['SellerStatus'];
export type SellerProfileView = components['schemas']['SellerProfile'];
export type PublicSellerView = components['schemas']['PublicSeller'];

/** The seed marketplace's French names for each seller type. */
export const SELLER_TYPE_LABELS: Record<SellerType, SellerTypeLabel> = {
  dealer: 'Concessionnaire',
  oem_supplier: 'Equipementier',
  importer: 'Importateur',
  wholesaler: 'Grossiste',
  semi_wholesaler: 'Semi-grossiste',
  retailer: 'Détaillant',
  scrapyard: 'Ferrailleurs',
  individual: 'Particuliers',
};

/** Case- and accent-insensitive key for city filters ("Fès" = "fes" = "FES"). */
export const cityKey = (city: string): string =>
  city.normalize('NFD').replace(/[\u0300-\u036f]/g, '').trim().toLowerCase().replace(/\s+/g, ' ');

export class SellerProfile extends BaseModel {
  static override tableName = 'seller_profiles';

  id!: string;
  userId!: string;
  legalName!: string;
  sellerType!: SellerType;
  registrationNumber!: string | null;
  city!: string;
  cityKey!: string;
  country!: string;
  phone!: string;
  shippingFeeAmount!: number;
  shippingFeeCurrency!: string;
  status!: SellerStatus;
  /** The seller's account is active (kept from the users module's events): off the directory otherwise. */
  accountActive!: boolean;
  verifiedAt!: string | null;
  ratingCount!: number;
  ratingTotal!: number;
  version!: number;
  createdAt!: string;
  updatedAt!: string;

  get etag(): string {
    return `"${this.version}"`;
  }

  toPublicView(): PublicSellerView {
    return {
      id: this.id,
      legalName: this.legalName,
      sellerType: this.sellerType,
      sellerTypeLabel: SELLER_TYPE_LABELS[this.sellerType],
      city: this.city,
      country: this.country,
      shippingFee: { amount: this.shippingFeeAmount, currency: this.shippingFeeCurrency },
      rating: ratingOf(this.ratingCount, this.ratingTotal),
      verifiedAt: this.verifiedAt ?? this.updatedAt,
    };
  }

  toView(lastStatusChange: SellerProfileView['lastStatusChange']): SellerProfileView {
    const { verifiedAt: _verifiedAt, ...publicFields } = this.toPublicView();
    return {
      ...publicFields,
      userId: this.userId,
      registrationNumber: this.registrationNumber,
      phone: this.phone,
      status: this.status,
      lastStatusChange,
      version: this.version,
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
    };
  }
}

/** A seller's rating as shown: the mean to two decimals (null before the first review), and the count. */
export function ratingOf(count: number | string, total: number | string): { average: number | null; count: number } {
  const n = Number(count);
  return { average: n === 0 ? null : Math.round((Number(total) * 100) / n) / 100, count: n };
}
