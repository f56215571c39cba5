#!/usr/bin/env node
/**
 * otomoto-verify <file.json | -> --key <verifier key>
 *
 * Checks offline, with no server and no database, a part passport (GET /api/v1/parts/{id}/passport)
 * or a wallet movement's proof (GET /api/v1/wallet/transactions/{id}/proof). The key is the log's
 * verifier key (`name+keyid+base64`), taken from a source you trust (GET /api/v1/traceability/keys
 * read once, the operator's publication), never from the document itself. Exit code 0 when the
 * document verifies, 1 when it does not (the failing step is printed), 2 on a usage error.
 */
import { readFileSync } from 'node:fs';
import { PassportError, verifyMovementProof, verifyPassport } from '../modules/trace/passport';

function usage(message: string): never {
  console.error(`${message}\nusage: otomoto-verify <passport.json | movement-proof.json | -> --key <verifier key>`);
  process.exit(2);
}

const args = process.argv.slice(2);
const keyAt = args.indexOf('--key');
const key = keyAt >= 0 ? args[keyAt + 1] : undefined;
const file = args.find((a, i) => !a.startsWith('--') && i !== keyAt + 1);
if (!key) usage('missing --key');
if (!file) usage('missing the passport or movement proof file');

let document: unknown;
try {
  document = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
} catch (err) {
  usage(`cannot read ${file}: ${(err as Error).message}`);
}

/** A passport says its format; a movement proof is an event of a ledger account with its proof. */
const isMovementProof = (value: unknown): boolean => typeof value === 'object' && value !== null && !('format' in value) && 'event' in value;

try {
  if (isMovementProof(document)) {
    const verdict = verifyMovementProof(document, key);
    const { amount, currency } = verdict.amount;
    console.log(`valid: movement ${verdict.transactionId} (${verdict.kind}, ${amount} minor units of ${currency}) of ledger account ${verdict.ledgerAccountId}, in ${verdict.origin} at size ${verdict.treeSize}, signed by key ${verdict.keyId}`);
  } else {
    const verdict = verifyPassport(document, key);
    console.log(`valid: listing ${verdict.partId}, ${verdict.events} events, the last in ${verdict.origin} at size ${verdict.treeSize}, signed by key ${verdict.keyId}`);
  }
} catch (err) {
  if (!(err instanceof PassportError)) throw err;
  console.error(`INVALID at step "${err.step}": ${err.message}`);
  process.exit(1);
}
