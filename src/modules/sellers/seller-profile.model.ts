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
