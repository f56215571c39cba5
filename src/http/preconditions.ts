import { Problem } from './problems';

/**
 * Honours `If-Match` (strong or weak form, or `*`); absent means the client accepts last-write-wins.
 */
export function assertIfMatch(ifMatch: string | undefined, currentEtag: string): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const candidates = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (!candidates.includes(currentEtag)) {
    throw new Problem('precondition-failed', `If-Match does not match the current version ${currentEtag}; reload and retry.`);
  }
}
