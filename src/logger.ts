import pino, { type DestinationStream, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { Config } from './config';

/**
 * Pretty lines for a developer's terminal, written in the process itself: pino's transport would
 * run the formatter in a worker thread, a second JavaScript heap in every worker (tens of MB) and
 * a second to flush at exit, for a formatter that keeps up with one developer's requests anyway.
 */
function prettyStream(): DestinationStream {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pretty = (require('pino-pretty') as { default: typeof PinoPretty }).default;
  return pretty({ translateTime: 'SYS:standard', singleLine: true, sync: true });
}

/** JSON logs (pretty in development); credentials are redacted before anything is written. */
export function createLogger(config: Pick<Config, 'logLevel' | 'nodeEnv'>, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
  };
  const stream = destination ?? (config.nodeEnv === 'development' ? prettyStream() : undefined);
  return stream ? pino(options, stream) : pino(options);
}
