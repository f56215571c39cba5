import { EMPTY_ROOT, nodeHash, type Hash } from '../../src/modules/trace/merkle';

/** RFC 9162's definition, recursion over the leaves: the reference the stored-subtree tree must agree with. */
export function referenceRoot(leaves: readonly Hash[]): Hash {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0] as Hash;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}
