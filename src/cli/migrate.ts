import { runWithDatabase } from './context';

void runWithDatabase(async () => {
  console.log('Database migrated.');
});
