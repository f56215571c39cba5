import { systemClock } from '../clock';
import { createTraceService } from '../modules/trace/service';
import { describeDemoAccounts, seedDemo } from '../seed/demo';
import { flag, runWithDatabase } from './context';

// npm run seed [-- --parts 1000000]
void runWithDatabase(async (db, config) => {
  const partsFlag = flag('parts');
  const parts = partsFlag === undefined ? undefined : Number(partsFlag);
  if (parts !== undefined && (!Number.isInteger(parts) || parts < 0 || parts > 10_000_000)) throw new Error('--parts must be an integer from 0 to 10000000');
  const started = Date.now();
  let lastReport = 0;
  const report = await seedDemo(db, config, {
    parts,
    onProgress: (done) => {
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        console.log(`  … ${done} listings`);
      }
    },
  });
  console.log(`Demo data ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${report.created} accounts created, ${report.partsAdded} listings added, ${report.ordersPlaced} orders placed).`);
  // Every listing's events are written with it; a server's sequencer would log them within
  // seconds, but a catalogue loaded here comes with its log whole and signed.
  const logging = Date.now();
  const checkpoint = await createTraceService(db, config, systemClock).checkpoint();
  console.log(`Traceability log: ${checkpoint.treeSize} events logged and signed in ${((Date.now() - logging) / 1000).toFixed(1)} s.`);
  for (const line of describeDemoAccounts(report)) console.log(line);
});
