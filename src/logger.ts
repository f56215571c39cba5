import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config';

/** JSON logs (pretty in development); credentials are redacted before anything is written. */
export function createLogger(config: Pick<Config, 'logLevel' | 'nodeEnv'>, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
    transport: config.nodeEnv === 'development' && !destination ? { target: 'pino-pretty', options: { translateTime: 'SYS:standard', singleLine: true } } : undefined,
  };
  return destination ? pino(options, destination) : pino(options);
}
