import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { dialectOf, type Db } from '../../db/knex';
import { pendingMigrations } from '../../db/migrations';
import type { HandlerMap } from '../../http/handler';
import { Problem } from '../../http/problems';
import type { LoadedSpec } from '../../http/spec';
import { fromRoot } from '../../paths';

export const DOCS_HTML_PATH = fromRoot('docs', 'api.html');
const GUIDES_DIR = fromRoot('docs');

/** Redoc renders client-side from an inline bundle, so its page needs inline scripts and blob workers. */
const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
].join('; ');

export function systemHandlers(db: Db, spec: LoadedSpec) {
  return {
    getHealth: () => ({ status: 200, body: { status: 'ok' } }),
    getReadiness: async () => {
      try {
        if ((await pendingMigrations(db)).length > 0) throw new Error('migrations pending');
      } catch {
        throw new Problem('service-unavailable', 'The database is unreachable or not migrated.');
      }
      return { status: 200, body: { status: 'ready', database: dialectOf(db) } };
    },
    getOpenApiJson: () => ({ status: 200, body: spec.document as unknown as Record<string, never> }),
    getOpenApiYaml: () => ({ status: 200, body: spec.yaml, contentType: 'application/yaml' }),
    getApiDocs: () => {
      if (!existsSync(DOCS_HTML_PATH)) throw new Problem('service-unavailable', 'The API reference is not built; run npm run docs.');
      return {
        status: 200,
        body: readFileSync(DOCS_HTML_PATH, 'utf8'),
        contentType: 'text/html',
        headers: { 'Content-Security-Policy': DOCS_CSP },
      };
    },
    // The contract's enum names the guides, so no other file can be asked for.
    getGuide: ({ params }) => ({
      status: 200,
      body: readFileSync(path.join(GUIDES_DIR, `${params.guide}.md`), 'utf8'),
      contentType: 'text/markdown; charset=utf-8',
    }),
  } satisfies Partial<HandlerMap>;
}
