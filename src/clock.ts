/**
 * Where services read the time. Production uses the system clock; tests move a manual one, so
 * that what depends on time passing (token expiry, throttling windows, and later automatic
 * delivery confirmation and return windows) is tested without waiting.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Current time as stored everywhere: RFC 3339 UTC with milliseconds. */
export const isoNow = (clock: Clock): string => clock.now().toISOString();

/** A clock that stands still until a test moves it. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | string = '2026-01-01T00:00:00.000Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
