import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fromRoot } from '../paths';

const REPORT = fromRoot('docs', 'benchmarks.md');

/**
 * Replaces one benchmark's section of docs/benchmarks.md (between its `<!-- bench:<name>:start -->`
 * and `:end -->` markers), or appends it: each `npm run bench:*` script owns its own section.
 */
export function writeBenchmarkSection(name: string, section: string): void {
  const current = existsSync(REPORT) ? readFileSync(REPORT, 'utf8') : '# Benchmarks\n\nFigures measured by the `npm run bench:*` scripts; each script rewrites its own section.\n';
  const pattern = new RegExp(`<!-- bench:${name}:start -->[\\s\\S]*<!-- bench:${name}:end -->`);
  writeFileSync(REPORT, pattern.test(current) ? current.replace(pattern, () => section) : `${current.trimEnd()}\n\n${section}\n`);
}
