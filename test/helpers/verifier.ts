import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** `npx otomoto-verify` as a user runs it, on a passport or a movement proof saved to a file (through tsx here: the tests do not build dist/). */
export function runVerifier(document: unknown, key: string): Promise<{ code: number; output: string }> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'otomoto-proof-')), 'document.json');
  writeFileSync(file, JSON.stringify(document, null, 2));
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/otomoto-verify.ts', file, '--key', key], { cwd: path.join(__dirname, '..', '..') }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
    });
  });
}
