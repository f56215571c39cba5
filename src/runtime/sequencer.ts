import type { Logger } from 'pino';
import type { Config } from '../config';
import type { TraceService } from '../modules/trace/service';
import { everyInterval } from './periodic';

/**
 * The trace sequencer's timer, in every worker (docs/operations.md): each round takes the events
 * written since the last one into the Merkle log, then signs a checkpoint when enough events came
 * in or enough time passed since the last one. A round that finds another worker sequencing
 * (PostgreSQL's advisory lock) does nothing; rounds of one worker never overlap.
 */
export function startSequencer(trace: TraceService, config: Config, log: Logger): { stop(): Promise<void> } {
  return everyInterval(
    'trace sequencer round',
    config.trace.integrateIntervalMs,
    async () => {
      // A backlog (a bulk load) goes in batch after batch; another worker holding the log stops this at once.
      let { added, state } = await trace.integrate();
      while (added > 0) ({ added, state } = await trace.integrate());
      const latest = await trace.latestCheckpoint();
      const fresh = state.size - (latest?.treeSize ?? 0);
      const age = latest ? Date.now() - Date.parse(latest.createdAt) : Number.POSITIVE_INFINITY;
      if (fresh >= config.trace.checkpointEvery || (fresh > 0 && age >= config.trace.checkpointIntervalMs)) await trace.checkpoint();
    },
    log,
  );
}
