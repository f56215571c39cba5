import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import {
  consistencyRanges,
  foldRange,
  Frontier,
  inclusionRanges,
  leafHash,
  rangeNodes,
  verifyConsistency,
  verifyInclusion,
  type Hash,
  type Range,
} from '../src/modules/trace/merkle';
import { referenceRoot } from './helpers/merkle-reference';

/** Every JSON case under a directory of the transparency-dev/merkle vectors (test/fixtures/merkle, Apache-2.0). */
function vectors<T>(dir: string): { name: string; data: T }[] {
  const root = path.join(__dirname, 'fixtures', 'merkle', dir);
  const found: { name: string; data: T }[] = [];
  const walk = (at: string): void => {
    for (const entry of readdirSync(at)) {
      const full = path.join(at, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith('.json')) found.push({ name: path.relative(root, full), data: JSON.parse(readFileSync(full, 'utf8')) as T });
    }
  };
  walk(root);
  return found;
}

const b64 = (value: string | null | undefined): Hash => Buffer.from(value ?? '', 'base64');
const proofOf = (proof: string[] | null): Hash[] => (proof ?? []).map(b64);

interface InclusionCase {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  wantErr: boolean;
}
interface ConsistencyCase {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  wantErr: boolean;
}

describe('the proof verifier against the transparency-dev/merkle vectors', () => {
  const inclusion = vectors<InclusionCase>('inclusion');
  const consistency = vectors<ConsistencyCase>('consistency');

  it('has every case of the published set', () => {
    expect(inclusion.length + consistency.length).toBe(196);
  });

  it.each(inclusion.map((c) => [c.name, c.data] as const))('inclusion %s', (_name, c) => {
    expect(verifyInclusion(c.leafIdx, c.treeSize, b64(c.leafHash), proofOf(c.proof), b64(c.root))).toBe(!c.wantErr);
  });

  it.each(consistency.map((c) => [c.name, c.data] as const))('consistency %s', (_name, c) => {
    expect(verifyConsistency(c.size1, c.size2, proofOf(c.proof), b64(c.root1), b64(c.root2))).toBe(!c.wantErr);
  });
});

/** A tree built by appending, keeping every complete subtree it reports, as the log stores them. */
function storedTree(leaves: readonly Hash[]): { frontier: Frontier; nodes: Map<string, Hash> } {
  const frontier = new Frontier(0, []);
  const nodes = new Map<string, Hash>();
  for (const leaf of leaves) for (const node of frontier.append(leaf)) nodes.set(`${node.level}/${node.index}`, node.hash);
  return { frontier, nodes };
}

const rangeHash = (nodes: Map<string, Hash>, range: Range): Hash =>
  foldRange(
    rangeNodes(range).map((ref) => {
      const hash = nodes.get(`${ref.level}/${ref.index}`);
      if (!hash) throw new Error(`node ${ref.level}/${ref.index} was never stored`);
      return hash;
    }),
  );

const leavesArb = (max: number) => fc.integer({ min: 1, max }).map((n) => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`event ${i}`))));

describe('the tree kept as stored complete subtrees', () => {
  it('has the reference root at every size up to 2,000, and proofs from stored nodes alone verify', () => {
    fc.assert(
      fc.property(leavesArb(2000), fc.nat(), fc.nat(), (leaves, a, b) => {
        const { frontier, nodes } = storedTree(leaves);
        const root = referenceRoot(leaves);
        expect(frontier.root().equals(root)).toBe(true);
        const index = a % leaves.length;
        const proof = inclusionRanges(index, leaves.length).map((r) => rangeHash(nodes, r));
        expect(verifyInclusion(index, leaves.length, leaves[index] as Hash, proof, root)).toBe(true);
        const size1 = 1 + (b % leaves.length);
        const consistency = consistencyRanges(size1, leaves.length).map((r) => rangeHash(nodes, r));
        expect(verifyConsistency(size1, leaves.length, consistency, referenceRoot(leaves.slice(0, size1)), root)).toBe(true);
        // A proof uses at most one hash per level.
        expect(proof.length).toBeLessThanOrEqual(Math.ceil(Math.log2(leaves.length)));
      }),
      { numRuns: 60 },
    );
  });

  // (A wrong tree size is not always caught by the proof alone, as RFC 9162 has it: the signed
  // checkpoint binds the size. The vectors' treeSize cases are the ones a proof does catch.)
  it('rejects a proof for another leaf and a proof with a flipped bit', () => {
    fc.assert(
      fc.property(leavesArb(300).filter((l) => l.length >= 2), fc.nat(), fc.nat(), (leaves, a, bit) => {
        const { nodes } = storedTree(leaves);
        const root = referenceRoot(leaves);
        const index = a % leaves.length;
        const proof = inclusionRanges(index, leaves.length).map((r) => rangeHash(nodes, r));
        const other = (index + 1) % leaves.length;
        expect(verifyInclusion(index, leaves.length, leaves[other] as Hash, proof, root)).toBe(false);
        const flipped = proof.map((h) => Buffer.from(h));
        const target = flipped[bit % flipped.length] as Buffer;
        target[(bit >> 3) % 32] = (target[(bit >> 3) % 32] as number) ^ (1 << (bit % 8));
        expect(verifyInclusion(index, leaves.length, leaves[index] as Hash, flipped, root)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it('resumes from a stored frontier exactly where it left off', () => {
    fc.assert(
      fc.property(leavesArb(500), fc.nat(), (leaves, cut) => {
        const at = cut % (leaves.length + 1);
        const first = storedTree(leaves.slice(0, at));
        const decomposition = rangeNodes({ start: 0, end: at }).map((ref) => first.nodes.get(`${ref.level}/${ref.index}`) as Hash);
        const resumed = new Frontier(at, decomposition);
        for (const leaf of leaves.slice(at)) resumed.append(leaf);
        expect(resumed.root().equals(referenceRoot(leaves))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
