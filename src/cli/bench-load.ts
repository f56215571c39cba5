/**
 * The benchmarks' load generator, run as its own process so that it never shares an event loop
 * with the servers under test: autocannon with 20 connections for a number of seconds, cycling
 * through the GET paths given one per line on stdin. Prints {"requestsPerSecond", "non2xx", "errors"}.
 *
 *   tsx src/cli/bench-load.ts <base URL> <seconds> < paths.txt
 */
import { readFileSync } from 'node:fs';

interface AutocannonResult {
  requests: { average: number };
  non2xx: number;
  errors: number;
}
interface Request {
  path: string;
}
type Autocannon = (
  options: { url: string; connections: number; duration: number; requests: { setupRequest: (req: Request) => Request }[] },
  done: (err: Error | null, result: AutocannonResult) => void,
) => unknown;

// autocannon ships no types; this is the part of its API used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as Autocannon;

const [url, seconds] = process.argv.slice(2);
const paths = readFileSync(0, 'utf8').split('\n').filter(Boolean);
if (!url || !seconds || paths.length === 0) throw new Error('usage: bench-load.ts <base URL> <seconds> < paths.txt');

let next = 0;
autocannon(
  {
    url,
    connections: 20,
    duration: Number(seconds),
    requests: [
      {
        setupRequest: (req) => {
          req.path = paths[next % paths.length] as string;
          next += 1;
          return req;
        },
      },
    ],
  },
  (err, result) => {
    if (err) throw err;
    console.log(JSON.stringify({ requestsPerSecond: result.requests.average, non2xx: result.non2xx, errors: result.errors }));
  },
);
