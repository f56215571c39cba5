import { hash } from 'node:crypto';

/**
 * The Merkle tree of RFC 9162 (Certificate Transparency 2.0, section 2.1): leaves hashed with a
 * 0x00 prefix, interior nodes with 0x01, a tree of n leaves split at the largest power of two
 * below n. Pure functions, no database: the server builds proofs with them from stored subtree
 * hashes, and the offline verifier checks proofs with them, so both read the tree the same way.
 */

export type Hash = Buffer;

/** SHA-256 of the parts one after the other; the one-shot `crypto.hash` costs a third less than a createHash() object. */
const sha256 = (...parts: Buffer[]): Hash => hash('sha256', parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts), 'buffer');

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export const leafHash = (data: Buffer): Hash => sha256(LEAF_PREFIX, data);
export const nodeHash = (left: Hash, right: Hash): Hash => sha256(NODE_PREFIX, left, right);
/** The root of the empty tree: the hash of nothing. */
export const EMPTY_ROOT: Hash = sha256();

/** The largest power of two smaller than n (n ≥ 2): where RFC 9162 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const isPowerOfTwo = (n: number): boolean => n > 0 && 2 ** Math.round(Math.log2(n)) === n;

/** A complete subtree: the 2^level leaves from index × 2^level. Its hash never changes once the tree holds it. */
export interface NodeRef {
  level: number;
  index: number;
}

/** The leaves [start, end) of the tree, a range the RFC's recursion produces (start aligned on the range's split). */
export interface Range {
  start: number;
  end: number;
}

/**
 * The complete subtrees whose hashes give the hash of a range, largest (leftmost) first. In every
 * range RFC 9162's recursion produces, the left part of a split is a complete subtree aligned
 * on its own size, so a range decomposes into at most log2(n) stored subtrees.
 */
export function rangeNodes({ start, end }: Range): NodeRef[] {
  const nodes: NodeRef[] = [];
  let at = start;
  let size = end - start;
  while (size > 0) {
    const piece = isPowerOfTwo(size) ? size : splitPoint(size);
    const level = Math.log2(piece);
    if (at % piece !== 0) throw new Error(`range [${start}, ${end}) is not one the tree is split into`);
    nodes.push({ level, index: at / piece });
    at += piece;
    size -= piece;
  }
  return nodes;
}

/** The hash of a range from the hashes of its complete subtrees (rangeNodes' order): folded from the right. */
export function foldRange(hashes: readonly Hash[]): Hash {
  if (hashes.length === 0) return EMPTY_ROOT;
  let hash = hashes[hashes.length - 1] as Hash;
  for (let i = hashes.length - 2; i >= 0; i -= 1) hash = nodeHash(hashes[i] as Hash, hash);
  return hash;
}

/**
 * The ranges whose hashes make the inclusion proof of leaf `index` in a tree of `size` leaves
 * (RFC 9162 2.1.3.1, PATH), from the leaf up.
 */
export function inclusionRanges(index: number, size: number): Range[] {
  if (!(index >= 0 && index < size)) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  const ranges: Range[] = [];
  const walk = (m: number, start: number, n: number): void => {
    if (n === 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(m, start, k);
      ranges.push({ start: start + k, end: start + n });
    } else {
      walk(m - k, start + k, n - k);
      ranges.push({ start, end: start + k });
    }
  };
  walk(index, 0, size);
  return ranges;
}

/** The ranges whose hashes make the consistency proof from `size1` to `size2` leaves (RFC 9162 2.1.4.1, SUBPROOF). */
export function consistencyRanges(size1: number, size2: number): Range[] {
  if (!(size1 >= 0 && size1 <= size2)) throw new RangeError(`no consistency proof from ${size1} to ${size2} leaves`);
  if (size1 === 0 || size1 === size2) return [];
  const ranges: Range[] = [];
  const walk = (m: number, start: number, n: number, complete: boolean): void => {
    if (m === n) {
      if (!complete) ranges.push({ start, end: start + n });
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      walk(m, start, k, complete);
      ranges.push({ start: start + k, end: start + n });
    } else {
      walk(m - k, start + k, n - k, false);
      ranges.push({ start, end: start + k });
    }
  };
  walk(size1, 0, size2, true);
  return ranges;
}

/**
 * The root a proof of inclusion leads to (RFC 9162 2.1.3.2), or null when the proof cannot be
 * one for this leaf index and tree size (a wrong length, an index outside the tree).
 */
const isHash = (hash: Hash): boolean => hash.length === 32;

/**
 * The walk both RFC 9162 verifiers make: `fn` is the node's index, `sn` the last index, level by
 * level. `onLeftSibling` when the next proof hash is a left sibling (then, on the tree's right
 * edge, levels with no sibling are skipped), `onRightSibling` otherwise. False when the proof has
 * hashes left over after the root.
 */
function walkPath(fn: bigint, sn: bigint, path: readonly Hash[], onLeftSibling: (p: Hash) => void, onRightSibling: (p: Hash) => void): bigint | null {
  for (const p of path) {
    if (sn === 0n) return null;
    if ((fn & 1n) === 1n || fn === sn) {
      onLeftSibling(p);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      onRightSibling(p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn;
}

export function rootFromInclusionProof(index: number, size: number, leaf: Hash, proof: readonly Hash[]): Hash | null {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) return null;
  if (!isHash(leaf) || !proof.every(isHash)) return null;
  let r = leaf;
  const sn = walkPath(
    BigInt(index),
    BigInt(size - 1),
    proof,
    (p) => (r = nodeHash(p, r)),
    (p) => (r = nodeHash(r, p)),
  );
  return sn === 0n ? r : null;
}

export function verifyInclusion(index: number, size: number, leaf: Hash, proof: readonly Hash[], root: Hash): boolean {
  const computed = rootFromInclusionProof(index, size, leaf, proof);
  return computed !== null && isHash(root) && computed.equals(root);
}

/** RFC 9162 2.1.4.2: whether a tree of `size2` leaves with `root2` extends the one of `size1` with `root1`. */
export function verifyConsistency(size1: number, size2: number, proof: readonly Hash[], root1: Hash, root2: Hash): boolean {
  // From the empty tree there is nothing to prove, and so no proof to accept (as transparency-dev/merkle rules).
  if (!(Number.isSafeInteger(size1) && Number.isSafeInteger(size2) && size1 > 0 && size1 <= size2)) return false;
  if (size1 === size2) return proof.length === 0 && root1.equals(root2);
  if (!isHash(root1) || !isHash(root2) || !proof.every(isHash)) return false;
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = BigInt(size1 - 1);
  let sn = BigInt(size2 - 1);
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0] as Hash;
  let sr = path[0] as Hash;
  const end = walkPath(
    fn,
    sn,
    path.slice(1),
    (c) => {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
    },
    (c) => (sr = nodeHash(sr, c)),
  );
  return end === 0n && fr.equals(root1) && sr.equals(root2);
}

/**
 * The right edge of a tree while leaves are appended: the complete subtrees of its decomposition,
 * largest first. Appending a leaf merges equal neighbours; every subtree completed on the way is
 * reported, so it can be stored once and never recomputed.
 */
export class Frontier {
  private readonly nodes: { level: number; index: number; hash: Hash }[];

  constructor(
    private count: number,
    decomposition: readonly Hash[],
  ) {
    const refs = rangeNodes({ start: 0, end: count });
    if (refs.length !== decomposition.length) throw new Error('the frontier does not match the tree size');
    this.nodes = refs.map((ref, i) => ({ ...ref, hash: decomposition[i] as Hash }));
  }

  get size(): number {
    return this.count;
  }

  /** Appends a leaf hash; returns the complete subtrees it made (the leaf itself included). */
  append(leaf: Hash): { level: number; index: number; hash: Hash }[] {
    const made = [{ level: 0, index: this.count, hash: leaf }];
    this.nodes.push(made[0] as { level: number; index: number; hash: Hash });
    this.count += 1;
    for (;;) {
      const right = this.nodes[this.nodes.length - 1];
      const left = this.nodes[this.nodes.length - 2];
      if (!left || !right || left.level !== right.level) break;
      const merged = { level: left.level + 1, index: left.index / 2, hash: nodeHash(left.hash, right.hash) };
      this.nodes.splice(this.nodes.length - 2, 2, merged);
      made.push(merged);
    }
    return made;
  }

  root(): Hash {
    return foldRange(this.nodes.map((n) => n.hash));
  }
}
