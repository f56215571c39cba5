import type { Config } from '../config';
import type { Db } from '../db/knex';
import { createServices } from '../modules';
import { seedDemoOrders } from './demo-orders';
import { ensureAdmin } from '../modules/auth/admin-bootstrap';
import { seedCatalog, type CatalogSeller } from './catalog';
import type { SellerType } from '../modules/sellers/service';

/** Shared by every demo account so the walkthrough is easy to follow; never used in production. */
export const DEMO_PASSWORD = 'otomoto-demo-2026';

interface DemoSeller {
  email: string;
  displayName: string;
  legalName: string;
  sellerType: SellerType;
  registrationNumber?: string;
  city: string;
  phone: string;
  shippingFee: number;
}

export const DEMO_SELLERS: DemoSeller[] = [
  { email: 'atlas.auto@demo.otomoto.ma', displayName: 'Atlas Auto', legalName: 'Atlas Auto Concession SARL', sellerType: 'dealer', registrationNumber: 'RC-CASA-104233', city: 'Casablanca', phone: '+212522401010', shippingFee: 5000 },
  { email: 'pieces.maghreb@demo.otomoto.ma', displayName: 'Pièces Maghreb', legalName: 'Pièces Maghreb Distribution SA', sellerType: 'wholesaler', registrationNumber: 'RC-RABAT-55821', city: 'Rabat', phone: '+212537702020', shippingFee: 4000 },
  { email: 'casse.souss@demo.otomoto.ma', displayName: 'Casse du Souss', legalName: 'Casse Auto du Souss', sellerType: 'scrapyard', registrationNumber: 'RC-AGADIR-9931', city: 'Agadir', phone: '+212528843030', shippingFee: 3500 },
  { email: 'equip.nord@demo.otomoto.ma', displayName: 'Equipements du Nord', legalName: 'Equipements du Nord SARL', sellerType: 'oem_supplier', registrationNumber: 'RC-TANGER-70112', city: 'Tanger', phone: '+212539934040', shippingFee: 4500 },
  { email: 'fes.pieces@demo.otomoto.ma', displayName: 'Fès Pièces Auto', legalName: 'Fès Pièces Auto', sellerType: 'retailer', registrationNumber: 'RC-FES-31877', city: 'Fès', phone: '+212535655050', shippingFee: 3000 },
  { email: 'youssef.particulier@demo.otomoto.ma', displayName: 'Youssef B.', legalName: 'Youssef Benali', sellerType: 'individual', city: 'Marrakech', phone: '+212661223344', shippingFee: 2500 },
];

export const DEMO_BUYERS = [
  { email: 'salma.buyer@demo.otomoto.ma', displayName: 'Salma Alaoui' },
  { email: 'karim.garage@demo.otomoto.ma', displayName: 'Garage Karim' },
];

/** Listings in the demo catalogue; `npm run seed -- --parts N` builds bigger ones. */
export const DEMO_CATALOG_SIZE = 2000;

export interface DemoAccount {
  email: string;
  role: 'buyer' | 'seller';
  password: string;
  /** For sellers: what the walkthrough needs to pick one. */
  seller?: { sellerType: SellerType; city: string };
}

export interface SeedReport {
  admin: { email: string; password: string } | null;
  accounts: DemoAccount[];
  created: number;
  partsAdded: number;
  /** Demo orders placed (none when orders exist already). */
  ordersPlaced: number;
}

/** Idempotent: running it twice leaves the same accounts, profiles and statuses. */
export async function seedDemo(db: Db, config: Config, options: { parts?: number; onProgress?: (done: number) => void } = {}): Promise<SeedReport> {
  if (config.nodeEnv === 'production') throw new Error('Demo data is never seeded in production');
  const services = createServices(db, config);
  let created = 0;
  let adminId: string | null = null;
  if (config.admin) {
    if ((await ensureAdmin(db, config, config.admin)) === 'created') created += 1;
    adminId = (await services.users.findAccountByEmail(db, config.admin.email))?.id ?? null;
  }
  const accounts: SeedReport['accounts'] = [];
  const catalogSellers: CatalogSeller[] = [];
  for (const buyer of DEMO_BUYERS) {
    const existing = await services.users.findAccountByEmail(db, buyer.email);
    if (!existing) {
      await services.auth.createAccount({ ...buyer, role: 'buyer', password: DEMO_PASSWORD });
      created += 1;
    }
    accounts.push({ email: buyer.email, role: 'buyer', password: DEMO_PASSWORD });
  }
  for (const seller of DEMO_SELLERS) {
    let user: { id: string } | undefined = await services.users.findAccountByEmail(db, seller.email);
    if (!user) {
      user = await services.auth.createAccount({ email: seller.email, displayName: seller.displayName, role: 'seller', password: DEMO_PASSWORD });
      created += 1;
    }
    const profile = await services.sellers.findProfileByUser(db, user.id);
    if (!profile) {
      const { view } = await services.sellers.putMine(user.id, {
        legalName: seller.legalName,
        sellerType: seller.sellerType,
        registrationNumber: seller.registrationNumber,
        city: seller.city,
        country: 'MA',
        phone: seller.phone,
        shippingFee: { amount: seller.shippingFee, currency: config.currency },
      }, undefined);
      if (adminId) await services.sellers.review('verify', adminId, view.id, 'Demo seller, verified by the seed');
    }
    const verified = await services.sellers.findProfileByUser(db, user.id);
    if (verified?.status === 'verified') catalogSellers.push({ id: verified.id, sellerType: verified.sellerType, legalName: verified.legalName, city: verified.city });
    accounts.push({ email: seller.email, role: 'seller', password: DEMO_PASSWORD, seller: { sellerType: seller.sellerType, city: seller.city } });
  }
  const partsAdded = await seedCatalog(db, catalogSellers, options.parts ?? DEMO_CATALOG_SIZE, options.onProgress);
  const buyerIds = await Promise.all(DEMO_BUYERS.map(async (b) => (await services.users.findAccountByEmail(db, b.email))?.id as string));
  const sellerUserIds = (await Promise.all(DEMO_SELLERS.map((s) => services.users.findAccountByEmail(db, s.email)))).flatMap((u) => (u ? [u.id] : []));
  const ordersPlaced = await seedDemoOrders(db, config, buyerIds, sellerUserIds);
  return { admin: config.admin, accounts, created, partsAdded, ordersPlaced };
}

/** The accounts a newcomer can log in with, one per line, with role (and seller type and city). */
export function describeDemoAccounts(report: Pick<SeedReport, 'admin' | 'accounts'>): string[] {
  const lines = report.admin ? [`  admin   ${report.admin.email} / ${report.admin.password}`] : [];
  for (const a of report.accounts) {
    const seller = a.seller ? `  (${a.seller.sellerType}, ${a.seller.city})` : '';
    lines.push(`  ${a.role.padEnd(7)} ${a.email} / ${a.password}${seller}`);
  }
  return lines;
}
