import { seedDemo } from '../seed/demo';
import { runWithDatabase } from './context';

void runWithDatabase(async (db, config) => {
  const report = await seedDemo(db, config);
  console.log(`Demo data ready (${report.created} accounts created).`);
  if (report.admin) console.log(`  admin   ${report.admin.email} / ${report.admin.password}`);
  for (const a of report.accounts) console.log(`  ${a.role.padEnd(7)} ${a.email} / ${a.password}`);
});
