import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The repository's root: the first directory above this file with a package.json. The same code
 * runs from src/ under tsx and jest and from dist/server/src/ once compiled, so paths to openapi/,
 * docs/ and data/ are taken from here, never by counting `..` from a file.
 */
function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No package.json above ${start}`);
  }
}

export const PROJECT_ROOT = findProjectRoot(__dirname);

export const fromRoot = (...segments: string[]): string => path.join(PROJECT_ROOT, ...segments);
