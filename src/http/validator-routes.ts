/**
 * express-openapi-validator 5.6 finds a request's operation by compiling the pattern of every
 * path of the contract with path-to-regexp, on every request (openapi.metadata.js, lookupRoute):
 * with thirty-odd paths that is most of its cost per request. A compiled pattern depends only on
 * the route and its options, and the validator reads `pathToRegexp` off the module at each call,
 * so memoising that export once, process-wide, removes the repeated work without changing results.
 */
type PathToRegexp = (path: string, options?: { sensitive?: boolean; strict?: boolean; [key: string]: unknown }) => unknown;

let installed = false;

export function memoizeValidatorRouteMatching(): void {
  if (installed) return;
  installed = true;
  const modulePath = require.resolve('path-to-regexp', { paths: [require.resolve('express-openapi-validator')] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pathToRegexpModule = require(modulePath) as { pathToRegexp: PathToRegexp };
  const compile = pathToRegexpModule.pathToRegexp;
  const cache = new Map<string, unknown>();
  pathToRegexpModule.pathToRegexp = (path, options) => {
    // Only string routes (the validator's case) are cached; anything else goes straight through.
    if (typeof path !== 'string') return compile(path, options);
    // The validator passes only `sensitive` and `strict`; other options bypass the cache.
    if (options && Object.keys(options).some((k) => k !== 'sensitive' && k !== 'strict')) return compile(path, options);
    const key = `${options?.sensitive ? 'S' : 's'}${options?.strict ? 'T' : 't'}${path}`;
    let compiled = cache.get(key);
    if (compiled === undefined) {
      compiled = compile(path, options);
      if (cache.size < 10_000) cache.set(key, compiled);
    }
    return compiled;
  };
}
