/**
 * The layering of src/, checked in CI (`npm run lint:deps`). Read from the bottom up:
 * db (the database, transactions) ← http (the contract, routing, problems) ← modules (one folder
 * per business module) ← app/server/cli (wiring). docs/architecture.md says why.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle makes two files one module in disguise: split what both need into a third.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'db-is-the-bottom',
      severity: 'error',
      comment: 'src/db knows tables and transactions, nothing of HTTP or of business modules.',
      from: { path: '^src/db/' },
      to: { path: '^src/(http|modules|seed|cli|runtime)/|^src/(app|server)\\.ts$' },
    },
    {
      name: 'http-knows-no-module',
      severity: 'error',
      comment: 'src/http serves any contract: routing, validation, problems. Modules plug into it, not the reverse.',
      from: { path: '^src/http/' },
      to: { path: '^src/(modules|seed|cli|runtime)/|^src/(app|server)\\.ts$' },
    },
    {
      name: 'modules-meet-through-services',
      severity: 'error',
      comment:
        'A module reaches another only through its service entry (service.ts, and hooks.ts for the events it publishes): ' +
        'never its models, tables or internals. Services of other modules are passed in when services are wired (src/modules/index.ts).',
      from: { path: '^src/modules/([^/]+)/' },
      to: {
        path: '^src/modules/[^/]+/',
        pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/(service|hooks)\\.ts$'],
      },
    },
    {
      name: 'no-wiring-from-below',
      severity: 'error',
      comment: 'Only the entry points (app, server, cli, seed) may import the wiring of all modules.',
      from: { path: '^src/(db|http|modules/[^/]+)/' },
      to: { path: '^src/modules/index\\.ts$|^src/(app|server)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
