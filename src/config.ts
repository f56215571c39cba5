import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import proxyaddr from 'proxy-addr';
import { generateSignerKey, parseSignerKey } from './modules/trace/signed-note';
import { fromRoot } from './paths';

export type NodeEnv = 'development' | 'test' | 'production';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly nodeEnv: NodeEnv;
  readonly port: number;
  readonly host: string;
  readonly logLevel: LogLevel;
  readonly database: { readonly client: 'sqlite'; readonly sqlitePath: string } | { readonly client: 'postgresql'; readonly url: string; readonly schema?: string; readonly poolMax?: number };
  /** Worker processes serving HTTP (1: a single process, no cluster). */
  readonly webConcurrency: number;
  /** PostgreSQL connections this instance may open, shared by its workers (each pool gets its part). */
  readonly connectionBudget: number;
  readonly jwt: { readonly secret: string; readonly issuer: string; readonly audience: string; readonly accessTtlSeconds: number };
  readonly refreshTokenTtlDays: number;
  /** scrypt cost as a power of two; 17 (N = 131072) is OWASP's recommendation. */
  readonly passwordScryptLogN: number;
  /** Failed logins allowed per email and client address in a window. */
  readonly loginThrottle: { readonly maxFailures: number; readonly windowSeconds: number };
  /** Attempts allowed per client address in a window, whatever the email. */
  readonly rateLimits: { readonly loginPerAddress: number; readonly registerPerAddress: number; readonly windowSeconds: number };
  readonly admin: { readonly email: string; readonly password: string } | null;
  readonly seedDemo: boolean;
  readonly corsOrigins: readonly string[];
  readonly bodyLimitBytes: number;
  readonly validateResponses: boolean;
  /** Express's `trust proxy`: false, a number of proxy hops, or the proxies' addresses and subnets. */
  readonly trustProxy: false | number | readonly string[];
  readonly currency: string;
  readonly shutdownTimeoutMs: number;
  /**
   * What one search may cost: `window` is how many of the newest matches a price-sorted text
   * search or a facet count considers; `scanLimit` how many text matches one page may examine.
   */
  readonly search: { readonly window: number; readonly scanLimit: number };
  /**
   * The traceability log: its origin (the first line of its checkpoints), the Ed25519 key that
   * signs them (C2SP signer key text), how often the sequencer takes new events in, and when a
   * checkpoint is signed (after so many new events, or so long after the last one).
   */
  /** OtoPay (docs/wallet.md): where deposits come from, and how much may come in. */
  readonly wallet: {
    /** `sandbox` settles at once (test amounts simulate a decline and a timeout); `none` refuses deposits. */
    readonly paymentProvider: 'sandbox' | 'none';
    /** One deposit at most, in minor units. */
    readonly depositMax: number;
    /** A user's deposits over the last 24 hours at most, in minor units. */
    readonly depositDailyMax: number;
    /** A withdrawal still pending this long after its request has its payout asked for again (and the sweep runs this often). */
    readonly payoutRetryMs: number;
  };
  /** Orders (docs/orders.md): the platform's commission on a seller order's subtotal, in basis points (COMMISSION_RATE 0.10 = 1000). */
  readonly orders: {
    readonly commissionBps: number;
    /** A shipped order the buyer has not confirmed is delivered this many days after shipping. */
    readonly autoConfirmDays: number;
    /** A delivered order is completed (the seller paid) this many days after delivery: the return window. */
    readonly returnWindowDays: number;
    /** How often each worker runs the timed steps. */
    readonly jobsIntervalMs: number;
  };
  readonly trace: {
    readonly origin: string;
    readonly signingKey: string;
    readonly integrateIntervalMs: number;
    readonly checkpointEvery: number;
    readonly checkpointIntervalMs: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const DEFAULT_TRACE_ORIGIN = 'otomoto.local/trace';

/** Reads and validates the environment once; every problem is reported together. */
export function loadConfig(env: Env = process.env, opts: { dataDir?: string } = {}): Config {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);

  const nodeEnv = read.oneOf('NODE_ENV', ['development', 'test', 'production'] as const, 'development');
  const production = nodeEnv === 'production';
  const dataDir = opts.dataDir ?? fromRoot('data');

  const webConcurrency = read.int('WEB_CONCURRENCY', os.availableParallelism(), 1, 64);
  const connectionBudget = read.int('DATABASE_CONNECTION_BUDGET', 20, 1, 10000);
  if (connectionBudget < webConcurrency) problems.push(`DATABASE_CONNECTION_BUDGET (${connectionBudget}) must allow at least one connection per worker (WEB_CONCURRENCY=${webConcurrency})`);
  const databaseUrl = read.string('DATABASE_URL', '');
  let database: Config['database'] = { client: 'sqlite', sqlitePath: read.string('SQLITE_PATH', path.join(dataDir, 'otomoto.sqlite')) };
  if (databaseUrl) {
    // Every worker has its own pool: together they stay within the budget.
    const poolMax = Math.max(1, Math.floor(connectionBudget / webConcurrency));
    if (/^postgres(ql)?:\/\//.test(databaseUrl)) database = { client: 'postgresql', url: databaseUrl, poolMax };
    else problems.push('DATABASE_URL must be a postgres:// URL (leave it empty for the embedded SQLite database)');
  }

  const adminEmail = read.string('ADMIN_EMAIL', production ? '' : 'admin@otomoto.local').trim().toLowerCase();
  const adminPassword = read.string('ADMIN_PASSWORD', production ? '' : 'otomoto-admin-demo');
  if (Boolean(adminEmail) !== Boolean(adminPassword)) problems.push('ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  if (adminPassword && (adminPassword.length < 12 || adminPassword.length > 128)) problems.push('ADMIN_PASSWORD must be 12 to 128 characters');

  let origin = read.string('TRACE_LOG_ORIGIN', DEFAULT_TRACE_ORIGIN);
  if (!/^[^\s+]+$/u.test(origin)) {
    problems.push('TRACE_LOG_ORIGIN must be one word without spaces or "+" (a domain and path such as otomoto.ma/trace)');
    origin = DEFAULT_TRACE_ORIGIN;
  }

  const config: Config = {
    nodeEnv,
    port: read.int('PORT', 3000, 0, 65535),
    host: read.string('HOST', '0.0.0.0'),
    logLevel: read.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, nodeEnv === 'test' ? 'silent' : 'info'),
    database,
    webConcurrency,
    connectionBudget,
    jwt: {
      secret: jwtSecret(read, problems, production, dataDir),
      issuer: 'otomoto',
      audience: 'otomoto-api',
      accessTtlSeconds: read.int('ACCESS_TOKEN_TTL_SECONDS', 900, 60, 3600),
    },
    refreshTokenTtlDays: read.int('REFRESH_TOKEN_TTL_DAYS', 30, 1, 365),
    passwordScryptLogN: read.int('PASSWORD_SCRYPT_LOG_N', 17, production ? 17 : 10, 20),
    loginThrottle: {
      maxFailures: read.int('LOGIN_MAX_FAILURES', 5, 1, 1000),
      windowSeconds: read.int('LOGIN_WINDOW_SECONDS', 900, 1, 86400),
    },
    rateLimits: {
      loginPerAddress: read.int('RATE_LIMIT_LOGIN_PER_ADDRESS', 30, 1, 1_000_000),
      registerPerAddress: read.int('RATE_LIMIT_REGISTER_PER_ADDRESS', 10, 1, 1_000_000),
      windowSeconds: read.int('RATE_LIMIT_WINDOW_SECONDS', 900, 1, 86400),
    },
    admin: adminEmail && adminPassword ? { email: adminEmail, password: adminPassword } : null,
    seedDemo: production ? false : read.bool('SEED_DEMO', true),
    corsOrigins: read.list('CORS_ORIGINS'),
    bodyLimitBytes: read.int('BODY_LIMIT_BYTES', 100 * 1024, 1024, 10 * 1024 * 1024),
    validateResponses: read.bool('VALIDATE_RESPONSES', !production),
    trustProxy: trustProxy(read.string('TRUST_PROXY', 'false'), problems),
    currency: read.string('CURRENCY', 'MAD'),
    shutdownTimeoutMs: read.int('SHUTDOWN_TIMEOUT_MS', 10000, 0, 120000),
    search: {
      window: read.int('SEARCH_WINDOW', 2000, 10, 1_000_000),
      scanLimit: read.int('SEARCH_SCAN_LIMIT', 20000, 10, 10_000_000),
    },
    wallet: {
      // Free money in production is not a default: a provider must be chosen there.
      paymentProvider: read.oneOf('PAYMENT_PROVIDER', ['sandbox', 'none'] as const, production ? 'none' : 'sandbox'),
      depositMax: read.int('WALLET_DEPOSIT_MAX', 1_000_000, 1, 100_000_000_000),
      depositDailyMax: read.int('WALLET_DEPOSIT_DAILY_MAX', 2_000_000, 1, 100_000_000_000),
      payoutRetryMs: read.int('WALLET_PAYOUT_RETRY_MS', 60_000, 100, 86_400_000),
    },
    orders: {
      commissionBps: commissionBps(read.string('COMMISSION_RATE', '0.10'), problems),
      autoConfirmDays: read.int('AUTO_CONFIRM_DAYS', 7, 1, 365),
      returnWindowDays: read.int('RETURN_WINDOW_DAYS', 14, 0, 365),
      jobsIntervalMs: read.int('ORDER_JOBS_INTERVAL_MS', 60_000, 100, 86_400_000),
    },
    trace: {
      origin,
      signingKey: traceSigningKey(read, problems, production, dataDir, origin),
      integrateIntervalMs: read.int('TRACE_INTEGRATE_INTERVAL_MS', 500, 10, 60_000),
      checkpointEvery: read.int('TRACE_CHECKPOINT_EVERY', 1000, 1, 10_000_000),
      checkpointIntervalMs: read.int('TRACE_CHECKPOINT_INTERVAL_MS', 10_000, 100, 86_400_000),
    },
  };
  if (!/^[A-Z]{3}$/.test(config.currency)) problems.push('CURRENCY must be an ISO 4217 code such as MAD');
  for (const origin of config.corsOrigins) {
    if (!/^https?:\/\/[^/]+$/.test(origin)) problems.push(`CORS_ORIGINS: "${origin}" is not an origin like https://shop.example.ma`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/**
 * Which hops' `X-Forwarded-For` to believe. `true` (every hop) would let any client name its own
 * address and walk out of every per-address limit, so it is refused: say how many proxies there
 * are, or which addresses they have.
 */
/**
 * `COMMISSION_RATE` as written (a decimal fraction, 0.10 by default) in basis points, read from
 * its digits, never through a binary float: 0.10 is exactly 1,000. At most four decimals, 0 to 1.
 */
function commissionBps(rate: string, problems: string[]): number {
  const match = /^(0|1)(?:\.(\d{1,4}))?$/.exec(rate.trim());
  const bps = match ? Number(match[1]) * 10_000 + Number((match[2] ?? '').padEnd(4, '0')) : Number.NaN;
  if (!(bps >= 0 && bps <= 10_000)) {
    problems.push('COMMISSION_RATE must be a fraction from 0 to 1 with at most four decimals (0.10 for 10 %)');
    return 1_000;
  }
  return bps;
}

function trustProxy(raw: string, problems: string[]): Config['trustProxy'] {
  const value = raw.trim().toLowerCase();
  if (value === 'false' || value === 'no') return false;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops <= 10) return hops === 0 ? false : hops;
  } else if (value !== 'true' && value !== 'yes') {
    const entries = raw.split(',').map((s) => s.trim()).filter(Boolean);
    try {
      if (entries.length > 0) {
        proxyaddr.compile(entries);
        return entries;
      }
    } catch {
      // an address proxy-addr cannot read: reported below
    }
  }
  problems.push(
    `TRUST_PROXY must be false, a number of proxy hops (0 to 10), or a comma-separated list of proxy addresses or subnets (loopback, uniquelocal, 10.0.0.0/8…); got "${raw}". "true" is refused: it would trust an X-Forwarded-For sent by the client itself.`,
  );
  return false;
}

/** Production must be given a strong secret; development keeps a random one under data/ so tokens survive restarts. */
function jwtSecret(read: EnvReader, problems: string[], production: boolean, dataDir: string): string {
  const given = read.string('JWT_SECRET', '');
  if (given) {
    if (Buffer.byteLength(given) < 32) problems.push('JWT_SECRET must be at least 32 bytes');
    return given;
  }
  if (production) {
    problems.push('JWT_SECRET is required in production (at least 32 bytes)');
    return '';
  }
  const file = path.join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(48).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/**
 * The key that signs the log's checkpoints: required in production (a key generated on the fly
 * would leave earlier checkpoints unverifiable after a restart on another machine); elsewhere
 * made once and kept under data/, like the JWT secret.
 */
function traceSigningKey(read: EnvReader, problems: string[], production: boolean, dataDir: string, origin: string): string {
  const given = read.string('TRACE_SIGNING_KEY', '');
  if (given) {
    try {
      parseSignerKey(given);
    } catch (err) {
      problems.push(`TRACE_SIGNING_KEY: ${(err as Error).message} (npm run trace:keygen makes one)`);
    }
    return given.trim();
  }
  if (production) {
    problems.push('TRACE_SIGNING_KEY is required in production (npm run trace:keygen makes one)');
    return '';
  }
  const file = path.join(dataDir, 'trace-signing.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  // Written whole under another name, then linked into place: of processes starting together,
  // one key wins and every process reads that one, never a half-written file.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, generateSignerKey(origin), { mode: 0o600 });
  try {
    linkSync(draft, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(draft);
  }
  return readFileSync(file, 'utf8').trim();
}

class EnvReader {
  constructor(private readonly env: Env, private readonly problems: string[]) {}

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      this.problems.push(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true;
    if (['false', '0', 'no'].includes(raw.toLowerCase())) return false;
    this.problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
    return fallback;
  }

  list(name: string): string[] {
    return (this.raw(name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  }
}
