import type { Logger } from 'pino';

/**
 * A job run every `intervalMs` in this process: rounds never overlap (a slow round makes the next
 * tick skip), a failed round is logged and the next one retries, and the timer alone never keeps
 * the process alive (the HTTP server does; drain stops both). `stop` waits for a running round.
 */
export function everyInterval(what: string, intervalMs: number, round: () => Promise<void>, log: Logger): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    running ??= round()
      .catch((err: unknown) => log.error({ err }, `${what} failed; the next round retries`))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
