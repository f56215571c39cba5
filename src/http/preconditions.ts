import { Problem, validationProblem } from './problems';

/** One entity-tag of an If-Match list (RFC 9110 §8.8.3): `W/` marks a weak one. */
const ENTITY_TAG = /\s*(W\/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)/y;

/** The entity tags of an `If-Match` value, or null when it is not a list of quoted tags. */
function parseEntityTags(value: string): { weak: boolean; tag: string }[] | null {
  const tags: { weak: boolean; tag: string }[] = [];
  ENTITY_TAG.lastIndex = 0;
  while (ENTITY_TAG.lastIndex < value.length) {
    const match = ENTITY_TAG.exec(value);
    if (!match) return null;
    tags.push({ weak: match[1] !== undefined, tag: match[2] as string });
  }
  return tags.length > 0 ? tags : null;
}

/**
 * Honours `If-Match` with the strong comparison RFC 9110 requires for it: a weak tag (`W/"3"`)
 * never matches, `*` matches any current version, absent means the client accepts
 * last-write-wins. A value that is not a list of quoted tags is a 400, not a 412: `3` is not `"3"`.
 */
export function assertIfMatch(ifMatch: string | undefined, currentEtag: string): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const tags = parseEntityTags(ifMatch);
  if (!tags) throw validationProblem('/headers/if-match', 'must be * or a list of quoted entity tags, such as "3" (with the double quotes)');
  if (!tags.some((t) => !t.weak && t.tag === currentEtag)) {
    throw new Problem('precondition-failed', `If-Match does not match the current version ${currentEtag}; reload and retry.`);
  }
}
