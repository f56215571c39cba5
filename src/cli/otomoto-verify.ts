#!/usr/bin/env node
/**
 * otomoto-verify <passport.json | -> --key <verifier key>
 *
 * Checks a part passport offline: no server, no database. The key is the log's verifier key
 * (`name+keyid+base64`), taken from a source you trust (GET /api/v1/traceability/keys read once,
 * the operator's publication), never from the passport itself. Exit code 0 when the passport
 * verifies, 1 when it does not (the failing step is printed), 2 on a usage error.
 */
import { readFileSync } from 'node:fs';
import { PassportError, verifyPassport } from '../modules/trace/passport';

function usage(message: string): never {
  console.error(`${message}\nusage: otomoto-verify <passport.json | -> --key <verifier key>`);
  process.exit(2);
}

const args = process.argv.slice(2);
const keyAt = args.indexOf('--key');
const key = keyAt >= 0 ? args[keyAt + 1] : undefined;
const file = args.find((a, i) => !a.startsWith('--') && i !== keyAt + 1);
if (!key) usage('missing --key');
if (!file) usage('missing the passport file');

let passport: unknown;
try {
  passport = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
} catch (err) {
  usage(`cannot read ${file}: ${(err as Error).message}`);
}

try {
  const verdict = verifyPassport(passport, key);
  console.log(`valid: listing ${verdict.partId}, ${verdict.events} events, the last in ${verdict.origin} at size ${verdict.treeSize}, signed by key ${verdict.keyId}`);
} catch (err) {
  if (!(err instanceof PassportError)) throw err;
  console.error(`INVALID at step "${err.step}": ${err.message}`);
  process.exit(1);
}
