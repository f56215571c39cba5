/**
 * npm run verify:log
 *
 * The whole traceability log checked against the configured database, as the admin endpoint does
 * (GET /api/v1/admin/traceability/verify): every chain, every leaf, every stored subtree, the root
 * and every checkpoint's signature. A progress bar on a terminal; exit code 1 when anything is wrong.
 */
import { systemClock } from '../clock';
import { createTraceService } from '../modules/trace/service';
import { runWithDatabase } from './context';

function progressBar(): (done: number, total: number) => void {
  if (!process.stderr.isTTY) return () => undefined;
  const started = Date.now();
  return (done, total) => {
    const share = total === 0 ? 1 : done / total;
    const width = 30;
    const filled = Math.round(share * width);
    const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} events  ${rate}/s `);
  };
}

void runWithDatabase(async (db, config) => {
  const started = Date.now();
  const verdict = await createTraceService(db, config, systemClock).auditLog({ progress: progressBar() });
  if (process.stderr.isTTY) process.stderr.write('\n');
  const seconds = (Date.now() - started) / 1000;
  console.log(`${verdict.valid ? 'valid' : 'INVALID'}: ${verdict.events} events, ${verdict.leaves} leaves, ${verdict.checkpoints} checkpoints checked in ${seconds.toFixed(2)} s`);
  for (const problem of verdict.problems) console.log(`  - ${problem}`);
  if (!verdict.valid) process.exitCode = 1;
});
