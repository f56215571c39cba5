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
  // One cache per combination of the two flags, keyed by the route string itself: the validator
  // passes the same string objects every time, so a lookup neither builds nor hashes a new key.
  const caches = [new Map<string, unknown>(), new Map<string, unknown>(), new Map<string, unknown>(), new Map<string, unknown>()];
  pathToRegexpModule.pathToRegexp = (path, options) => {
    // Only string routes with no options beyond `sensitive` and `strict` (the validator's case)
    // are cached; anything else goes straight through.
    if (typeof path !== 'string') return compile(path, options);
    for (const key in options) if (key !== 'sensitive' && key !== 'strict') return compile(path, options);
    const cache = caches[(options?.sensitive ? 2 : 0) + (options?.strict ? 1 : 0)] as Map<string, unknown>;
    let compiled = cache.get(path);
    if (compiled === undefined) {
      compiled = compile(path, options);
      if (cache.size < 10_000) cache.set(path, compiled);
    }
    return compiled;
  };
}
