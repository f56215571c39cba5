import type { HandlerMap } from '../../http/handler';
import { Problem } from '../../http/problems';
import type { TraceService } from './service';

export function traceHandlers(trace: TraceService) {
  const found = <T>(value: T | null, detail: string): T => {
    if (value === null) throw new Problem('not-found', detail);
    return value;
  };
  return {
    listTraceKeys: async () => ({ status: 200, body: { data: await trace.keys() } }),
    getLatestCheckpoint: async () => ({ status: 200, body: found(await trace.latestCheckpoint(), 'The log has no checkpoint yet.') }),
    getCheckpoint: async ({ params }) => ({ status: 200, body: found(await trace.checkpointAt(params.treeSize), 'No checkpoint was signed at this tree size.') }),
    getInclusionProof: async ({ query }) => ({ status: 200, body: await trace.inclusionProof(query.logIndex, query.treeSize) }),
    getConsistencyProof: async ({ query }) => ({ status: 200, body: await trace.consistencyProof(query.from, query.to) }),
    verifyTraceLog: async () => ({ status: 200, body: await trace.auditLog() }),
    createCheckpoint: async () => ({ status: 201, body: await trace.checkpoint() }),
  } satisfies Partial<HandlerMap>;
}
