import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** GET /docs serves docs/api.html, a build output: build it when missing or older than the contract. */
export default function globalSetup(): void {
  const root = path.resolve(__dirname, '../..');
  execFileSync(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'src/cli/build-docs.ts'), '--if-stale'], { stdio: 'inherit' });
}
