import { EMPTY_ROOT, verifyConsistency } from '../src/modules/trace/merkle';
import { openCheckpoint, parseVerifierKey } from '../src/modules/trace/signed-note';
import { useTestContext } from './helpers/context';
import { createPart } from './helpers/factories';
import { tamperKit } from './helpers/tamper';

/**
 * The one tampering nothing inside the database can catch: a rewrite made consistent everywhere
 * (events, tree, checkpoints re-signed). A checkpoint kept outside catches it. Its own file: it
 * needs a log no other test has damaged.
 */
const ctx = useTestContext();

const { seller, checkpoint, verify, audit, loggedPart, rewrite } = tamperKit(ctx);

describe('a rewrite made consistent everywhere, as an insider with the database and the key would', () => {
  it('passes every check inside the database, and fails against a checkpoint kept outside', async () => {
    const id = await loggedPart(2);
    // A buyer keeps the checkpoint of the day (as a witness or a timestamping authority would).
    const kept = await checkpoint();
    const key = parseVerifierKey((await ctx.http().get('/api/v1/traceability/keys').expect(200)).body.data.at(-1).verifierKey);
    const keptRoot = openCheckpoint(kept.note, key).root;

    // The insider rewrites a sale's reason and every hash after it, rebuilds the whole tree from
    // the events, drops the old checkpoints and signs new ones.
    const second = await rewrite(id, 2, (e) => ({ ...e, payload: { ...e.payload, reason: 'Returned under warranty' } }));
    await rewrite(id, 3, (e) => ({ ...e, prevHash: second.hash }));
    // Everything that depends on the old hashes is rebuilt, including the other listings' leaves.
    await ctx.db('trace_tree_nodes').delete();
    await ctx.db('trace_checkpoints').delete();
    await ctx.db('trace_events').update({ log_index: null });
    await ctx.db('trace_log_state').update({ tree_size: 0, root_hash: EMPTY_ROOT.toString('hex') });
    const resigned = await checkpoint();

    expect(await verify(id)).toEqual({ valid: true, checkedEvents: 3, firstInvalid: null });
    expect(await audit()).toMatchObject({ valid: true, problems: [] });
    expect(resigned.treeSize).toBe(kept.treeSize);

    // The kept checkpoint says otherwise: the log at its size no longer has its root, and no
    // consistency proof leads from it to the current one.
    const current = openCheckpoint(resigned.note, key);
    expect(current.root.equals(keptRoot)).toBe(false);
    await createPart(ctx, seller());
    const grown = await checkpoint();
    const proof = (await ctx.http().get('/api/v1/traceability/proofs/consistency').query({ from: kept.treeSize, to: grown.treeSize }).expect(200)).body;
    const hashes = (proof.hashes as string[]).map((h) => Buffer.from(h, 'hex'));
    expect(verifyConsistency(kept.treeSize, grown.treeSize, hashes, keptRoot, openCheckpoint(grown.note, key).root)).toBe(false);
    // The same proof does lead from the rewritten log's own checkpoint: the rewrite is consistent with itself only.
    expect(verifyConsistency(kept.treeSize, grown.treeSize, hashes, current.root, openCheckpoint(grown.note, key).root)).toBe(true);
  });
});
