import { randomUUID } from 'node:crypto';
import { withTx } from '../src/db/tx';
import { money } from '../src/money';
import { PassportError, verifyMovementProof } from '../src/modules/trace/passport';
import { generateSignerKey, parseSignerKey, parseVerifierKey } from '../src/modules/trace/signed-note';
import { createTraceService } from '../src/modules/trace/service';
import type { WalletService } from '../src/modules/wallet/service';
import { useTestContext } from './helpers/context';
import { loginAdmin, registerUser, type TestUser } from './helpers/factories';
import { expectProblem } from './helpers/problems';
import { runVerifier } from './helpers/verifier';
import { walletFor } from './helpers/wallet';

const failingStep = (document: unknown, key: string): string => {
  try {
    verifyMovementProof(document, key);
    return 'none';
  } catch (err) {
    if (err instanceof PassportError) return err.step;
    throw err;
  }
};

/**
 * OtoPay in the traceability log: every movement is an event of each wallet it touched, in the
 * same hash chains and Merkle log as the listings', so a balance edited behind the ledger is
 * caught, and a movement can be proven to its owner without trusting the server.
 */
const ctx = useTestContext();
let wallet: WalletService;
let admin: TestUser;

beforeAll(async () => {
  wallet = walletFor(ctx.db, ctx.config, ctx.clock);
  admin = await loginAdmin(ctx);
});

async function pair(): Promise<[TestUser, TestUser, string]> {
  const [payer, payee] = [await registerUser(ctx, 'buyer'), await registerUser(ctx, 'seller')];
  await withTx(ctx.db, (tx) => wallet.deposit(tx, payer.id, money(10_000, 'MAD')));
  const res = await ctx.http().post('/api/v1/wallet/transfers').set(payer.auth).set('Idempotency-Key', randomUUID()).send({ recipient: { userId: payee.id }, amount: { amount: 2_500, currency: 'MAD' } }).expect(201);
  return [payer, payee, res.body.id as string];
}
const verify = async (user: TestUser) => (await ctx.http().get('/api/v1/wallet/verify').set(user.auth).expect(200)).body;

it("chains each wallet's movements: both sides verify, a balance edited in its table does not", async () => {
  const [payer, payee] = await pair();
  expect(await verify(payer)).toEqual({ valid: true, checkedEvents: 2, firstInvalid: null });
  expect(await verify(payee)).toEqual({ valid: true, checkedEvents: 1, firstInvalid: null });
  expect(await verify(await registerUser(ctx, 'buyer'))).toEqual({ valid: true, checkedEvents: 0, firstInvalid: null });

  await ctx.db('ledger_accounts').where({ user_id: payee.id }).update({ available: 1_000_000 });
  expect(await verify(payee)).toEqual({ valid: false, checkedEvents: 1, firstInvalid: { seq: 1, reason: 'state-mismatch' } });
  await ctx.db('ledger_accounts').where({ user_id: payee.id }).update({ available: 2_500 });
  expect((await createTraceService(ctx.db, ctx.config, ctx.clock).auditLog()).problems).toEqual([]);
});

it('proves a movement to its owner once it is in a signed checkpoint, checkable offline', async () => {
  const [payer, , transferId] = await pair();
  const url = `/api/v1/wallet/transactions/${transferId}/proof`;
  const early = await ctx.http().get(url).set(payer.auth);
  expectProblem(early, 409, 'not-yet-logged');
  expect(Number(early.headers['retry-after'])).toBeGreaterThan(0);

  await ctx.http().post('/api/v1/admin/traceability/checkpoints').set(admin.auth).expect(201);
  const proof = (await ctx.http().get(url).set(payer.auth).expect(200)).body;
  expectProblem(await ctx.http().get(url).set((await registerUser(ctx, 'buyer')).auth), 404, 'not-found');

  // Offline: the key as published, the event's hash from its content, the leaf up to the signed root.
  const published = (await ctx.http().get('/api/v1/traceability/keys').expect(200)).body.data[0].verifierKey as string;
  expect(proof.event.payload.transaction).toMatchObject({ id: transferId, kind: 'transfer', amount: { amount: 2_500, currency: 'MAD' } });
  expect(verifyMovementProof(proof, published)).toMatchObject({ transactionId: transferId, kind: 'transfer', amount: { amount: 2_500, currency: 'MAD' }, treeSize: proof.checkpoint.treeSize });
  const cli = await runVerifier(proof, published);
  expect(cli).toMatchObject({ code: 0 });
  expect(cli.output).toContain(`valid: movement ${transferId} (transfer, 2500 minor units of MAD)`);
  // The same movement with another amount is not what was logged; nor is a proof for another place, or another key.
  const tenfold = { ...proof, event: { ...proof.event, payload: { transaction: { ...proof.event.payload.transaction, amount: { amount: 25_000, currency: 'MAD' } } } } };
  expect(failingStep(tenfold, published)).toBe('events');
  expect(await runVerifier(tenfold, published)).toMatchObject({ code: 1, output: expect.stringContaining('INVALID at step "events"') });
  expect(failingStep({ ...proof, inclusionProof: { ...proof.inclusionProof, logIndex: proof.inclusionProof.logIndex + 1 } }, published)).toBe('inclusion');
  expect(failingStep({ ...proof, extra: true }, published)).toBe('format');
  const stranger = parseSignerKey(generateSignerKey(parseVerifierKey(published).name)).text;
  expect(failingStep(proof, stranger)).toBe('key');
});
