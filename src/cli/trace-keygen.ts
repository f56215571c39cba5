/**
 * npm run trace:keygen [-- --name otomoto.ma/trace]
 *
 * Prints a new Ed25519 key for signing the traceability log's checkpoints: the signer key (secret:
 * put it in TRACE_SIGNING_KEY) and its verifier key (public: what `otomoto-verify --key` takes).
 * The name defaults to TRACE_LOG_ORIGIN, or the default origin.
 */
import { generateSignerKey, parseSignerKey } from '../modules/trace/signed-note';
import { flag } from './context';

const name = flag('name') ?? process.env.TRACE_LOG_ORIGIN ?? 'otomoto.local/trace';
try {
  const signer = generateSignerKey(name);
  console.log(`TRACE_SIGNING_KEY=${signer}`);
  console.log(`# verifier key (public): ${parseSignerKey(signer).text}`);
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
}
