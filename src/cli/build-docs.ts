/**
 * Builds docs/api.html with Redoc from the bundled contract, self-contained: redocly's page
 * hydrates from a CDN, which these machines (and many users) cannot reach, so the Redoc bundle
 * shipped inside @redocly/cli is inlined in place of the remote import.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUNDLED_SPEC_PATH } from '../http/spec';
import { DOCS_HTML_PATH } from '../modules/system/routes';
import { PROJECT_ROOT } from '../paths';

const root = PROJECT_ROOT;
const redocBundlePath = path.join(root, 'node_modules/@redocly/cli/lib/chunks/redoc.standalone.js');
const CDN_IMPORT = /import \{ hydrate \} from "(https:\/\/cdn\.redocly\.com\/redoc\/v([\d.]+)\/bundles\/redoc\.standalone\.js)";/;

function build(): void {
  const workDir = mkdtempSync(path.join(tmpdir(), 'otomoto-docs-'));
  try {
    const rendered = path.join(workDir, 'api.html');
    execFileSync(path.join(root, 'node_modules/.bin/redocly'), ['build-docs', BUNDLED_SPEC_PATH, '-o', rendered], { stdio: 'pipe' });
    let html = readFileSync(rendered, 'utf8');

    const match = CDN_IMPORT.exec(html);
    if (!match) throw new Error('redocly build-docs output changed: no CDN import of Redoc found to inline');
    const [, cdnUrl, cdnVersion] = match;
    const bundle = readFileSync(redocBundlePath, 'utf8');
    const localVersion = /Version: ([\d.]+)/.exec(bundle)?.[1];
    if (localVersion !== cdnVersion) throw new Error(`Redoc ${cdnVersion} expected by the page, ${localVersion} shipped locally`);

    const inlined = bundle
      .replace(/export\s*\{\s*RedocStandalone\s*,\s*hydrate\s*,\s*init\s*\}\s*;?\s*$/, '')
      .replace(/<\/script/gi, '<\\/script');
    html = html.replace(CDN_IMPORT, () => inlined);
    html = html.replace(new RegExp(`<link[^>]*href="${(cdnUrl as string).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"[^>]*>`, 'g'), '');
    // The bundle still names an icon CDN for optional icon sets; the page renders without it.
    if (html.includes(cdnUrl as string)) throw new Error('docs/api.html would still load Redoc from the CDN');
    writeFileSync(DOCS_HTML_PATH, html);
    console.log(`docs/api.html written (${Math.round(html.length / 1024)} KiB, no network needed)`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

build();
