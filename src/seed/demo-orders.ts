import type { Config } from '../config';
import type { Db } from '../db/knex';
import { withTx, type Tx } from '../db/tx';
import type { AuthContext } from '../http/auth';
import { money } from '../money';
import { createServices, type Services } from '../modules';

/** What each demo buyer starts with in OtoPay, in minor units (10,000.00 MAD): within a day's deposit limit, leaving room for the README's top-up. */
export const DEMO_WALLET = 1_000_000;

const ADDRESSES = {
  salma: { name: 'Salma Alaoui', phone: '+212661000001', line1: '14 avenue Hassan II', city: 'Rabat', postalCode: '10000', country: 'MA' },
  karim: { name: 'Garage Karim', phone: '+212661000002', line1: 'Zone industrielle Sidi Bernoussi, lot 42', city: 'Casablanca', postalCode: '20600', country: 'MA' },
};

/**
 * The demo marketplace's orders, one or more in every state a newcomer should see: paid,
 * shipped, delivered, completed and reviewed, cancelled, a return asked for, a return refunded, a
 * dispute. Everything goes through the services, as requests would: stock, escrow, histories and
 * the ledger agree. Idempotent: nothing is done when an order exists.
 *
 * Nothing here fakes a date: the completed order is settled at once by a round of the timed steps
 * run with a return window of zero days, before any other order is delivered.
 */
export async function seedDemoOrders(db: Db, config: Config, buyers: readonly string[], sellerUserIds: readonly string[]): Promise<number> {
  if (await db('orders').first('id')) return 0;
  const services = createServices(db, config);
  const [salma, karim] = buyers.map((userId): AuthContext => ({ userId, role: 'buyer' }));
  if (!salma || !karim || sellerUserIds.length < 4) return 0;
  const sellers = sellerUserIds.map((userId): AuthContext => ({ userId, role: 'seller' }));
  const partsOf = await listingsBySeller(db, services, sellerUserIds);
  // A catalogue too small to sell from (`npm run seed -- --parts 0`): no demo orders.
  if (partsOf.length === 0) return 0;
  for (const buyer of [salma, karim]) await withTx(db, (tx) => services.wallet.deposit(tx, buyer.userId, money(DEMO_WALLET, config.currency), `demo-funding-${buyer.userId}`));
  const tx = <T>(work: (tx: Tx) => Promise<T>) => withTx(db, work);
  let placed = 0;
  const buy = async (buyer: AuthContext, sellerIndex: number, address: keyof typeof ADDRESSES, note?: string) => {
    const partId = partsOf[sellerIndex % partsOf.length] as string;
    const group = await tx((t) => services.orders.place(t, buyer, { lines: [{ partId, quantity: 1 }], shippingAddress: ADDRESSES[address], ...(note ? { note } : {}) }));
    placed += 1;
    return (group.orders[0] as { id: string }).id;
  };
  const seller = (i: number) => sellers[i % sellers.length] as AuthContext;
  const ship = (i: number, orderId: string) => tx((t) => services.orders.ship(t, seller(i), orderId, { carrier: 'Amana', trackingNumber: `EE${String(100000000 + placed).slice(-9)}MA` }));
  const deliver = (buyer: AuthContext, orderId: string) => tx((t) => services.orders.confirmDelivery(t, buyer, orderId));

  // Completed and reviewed: settled at once by a round with a zero-day return window.
  const completed = await buy(karim, 0, 'karim');
  await ship(0, completed);
  await deliver(karim, completed);
  await createServices(db, { ...config, orders: { ...config.orders, returnWindowDays: 0 } }).orders.runDueSteps();
  await tx((t) => services.orders.review(t, karim, completed, { rating: 5, comment: 'Pièce conforme, bien emballée, livrée en deux jours.' }));

  await buy(salma, 0, 'salma', 'Merci de m’appeler avant la livraison.');
  await ship(1, await buy(salma, 1, 'salma'));
  const delivered = await buy(karim, 2, 'karim');
  await ship(2, delivered);
  await deliver(karim, delivered);
  const cancelled = await buy(karim, 3, 'karim');
  await tx((t) => services.orders.cancel(t, karim, cancelled, 'Commandé en double par erreur'));

  const returning = await buy(salma, 2, 'salma');
  await ship(2, returning);
  await deliver(salma, returning);
  await tx((t) => services.orders.requestReturn(t, salma, returning, { reason: 'wrong_part', details: 'Le connecteur ne correspond pas à ma Logan de 2014.' }));

  const refunded = await buy(karim, 1, 'karim');
  await ship(1, refunded);
  await deliver(karim, refunded);
  await tx((t) => services.orders.requestReturn(t, karim, refunded, { reason: 'defective', details: 'Le capteur ne renvoie aucun signal.' }));
  await tx((t) => services.orders.decideReturn(t, seller(1), refunded, { accept: true }));
  await tx((t) => services.orders.receiveReturn(t, seller(1), refunded, false));
  await tx((t) => services.orders.refund(t, seller(1), refunded));

  const disputed = await buy(salma, 3, 'salma');
  await ship(3, disputed);
  await tx((t) => services.orders.dispute(t, salma, disputed, 'Colis reçu vide, le transporteur dit l’avoir livré complet.'));
  return placed;
}

/** One listing on the market per seller, with stock to spare, in the sellers' order. */
async function listingsBySeller(db: Db, services: Services, sellerUserIds: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const userId of sellerUserIds) {
    const profile = await services.sellers.findProfileByUser(db, userId);
    if (!profile) continue;
    const row = (await db('parts').where({ seller_id: profile.id, status: 'active' }).where('quantity', '>=', 5).orderBy('id').first('id')) as { id: string } | undefined;
    if (row) ids.push(row.id);
  }
  return ids;
}
