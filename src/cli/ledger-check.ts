/**
 * npm run ledger:check
 *
 * OtoPay's ledger checked against its rules on the configured database, as the admin endpoint
 * does (GET /api/v1/admin/ledger/reconcile): balanced transactions and currencies, balances equal
 * to their postings, nothing below zero but funding, escrow equal to the open holds, every
 * capture or void resolving one hold, refunds within their originals; then every account against
 * the state its chain recorded, and the whole traceability log audited. Progress on a terminal;
 * exit code 1 when anything is wrong.
 */
import { systemClock } from '../clock';
import { createServices } from '../modules';
import { runWithDatabase } from './context';

void runWithDatabase(async (db, config) => {
  const started = Date.now();
  const tty = process.stderr.isTTY;
  const report = await createServices(db, config, systemClock).wallet.reconcile((done, total, name) => {
    if (tty) process.stderr.write(`\r[${'#'.repeat(done)}${'.'.repeat(total - done)}] ${done}/${total} ${name.padEnd(70)}`);
  });
  if (tty) process.stderr.write('\n');
  const { accounts, transactions, postings, holds } = report.checked;
  const seconds = ((Date.now() - started) / 1000).toFixed(2);
  console.log(`${report.clean ? 'clean' : 'VIOLATIONS'}: ${accounts} accounts, ${transactions} transactions, ${postings} postings, ${holds} holds checked in ${seconds} s`);
  for (const violation of report.violations) console.log(`  - ${violation}`);
  if (!report.clean) process.exitCode = 1;
});
