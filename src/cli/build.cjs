#!/usr/bin/env node
/**
 * Builds what production runs, when it is stale: the compiled JavaScript (dist/server, by tsc) and
 * the docs page (docs/api.html). `npm ci` runs it (prepare) and `npm start` runs it before the
 * server, so a fresh clone and a changed checkout both start on current code; when nothing
 * changed it only compares file times (a few milliseconds) instead of paying tsc's own check
 * (seconds). Plain JavaScript: it runs before anything is compiled. `--force` rebuilds anyway.
 */
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const at = (...segments) => path.join(root, ...segments);
const STAMP = at('dist/server/.build-stamp');

/** Newest modification time among the files of a path (a file or a directory tree). */
function newest(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(target)) latest = Math.max(latest, newest(path.join(target, entry)));
  return latest;
}

const mtime = (file) => (existsSync(file) ? statSync(file).mtimeMs : 0);
const force = process.argv.includes('--force');
const inputs = ['src', 'migrations', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].map((p) => at(p));

if (force || Math.max(...inputs.map(newest)) > mtime(STAMP)) {
  const started = Date.now();
  execFileSync(process.execPath, [at('node_modules/typescript/bin/tsc'), '-p', at('tsconfig.build.json')], { stdio: 'inherit', cwd: root });
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  console.log(`compiled to dist/server in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
if (force || mtime(at('openapi/bundled/openapi.yaml')) > mtime(at('docs/api.html'))) {
  execFileSync(process.execPath, [at('dist/server/src/cli/build-docs.js')], { stdio: 'inherit', cwd: root });
}
