/**
 * Compiled with --strict against a client generated from the bundled contract by a second,
 * independent generator (@hey-api/openapi-ts): `npm run client:check`. It fails when a spec change
 * breaks client generation, or when the contract stops saying what these calls rely on.
 */
import { adjustPartStock, login, searchParts } from '../../dist/client/sdk.gen';
import type { Money, Part, PartPage, StockAdjustment } from '../../dist/client/types.gen';

export async function walkthrough(): Promise<Part[]> {
  const tokens = await login({ body: { email: 'amina@example.ma', password: 'correct-horse-battery' } });
  const auth = { Authorization: `Bearer ${tokens.data?.accessToken ?? ''}` };
  const page = await searchParts({ query: { q: 'filtre huile', make: 'Dacia', priceMax: 100_000_000_000, facets: true } });
  const found: PartPage | undefined = page.data;
  const counts: number[] = found?.facets?.category.map((f) => f.count) ?? [];
  const first = found?.data[0];
  if (first) {
    const price: Money = first.price;
    const numbers: string[] = first.partNumbers.map((n) => n.normalized);
    void price;
    void numbers;
    await adjustPartStock({ path: { partId: first.id }, headers: auth, body: { delta: -2, reason: 'Counter sale' } });
    await adjustPartStock({ path: { partId: first.id }, headers: auth, body: { quantity: 10, reason: 'Stock count' } });
  }
  void counts;
  return found?.data ?? [];
}

// A stock adjustment is a delta or a count: a reason alone does not compile.
// @ts-expect-error a reason alone is not an adjustment
export const reasonOnly: StockAdjustment = { reason: 'Nothing to adjust' };
