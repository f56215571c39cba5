import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

/** GET /docs serves docs/api.html, a build output: make sure it exists and is not older than the contract. */
export default function globalSetup(): void {
  const root = path.resolve(__dirname, '../..');
  const html = path.join(root, 'docs/api.html');
  const spec = path.join(root, 'openapi/bundled/openapi.yaml');
  if (!existsSync(html) || statSync(html).mtimeMs < statSync(spec).mtimeMs) {
    execFileSync(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'src/cli/build-docs.ts')], { stdio: 'inherit' });
  }
}
