/**
 * Where writes reach the MetricHub: a decorator around one tenant's backend, applied where the
 * daemon's TenantRegistry picks that backend (daemon.ts). Every surface — the v1 API, the
 * MLflow-compatible API and the LSP handlers — writes through `TenantRegistry.scope(tenant)`, and
 * the scope calls this backend only after its ownership checks passed, so:
 *  - no surface needs code of its own to publish, and a new one cannot forget to;
 *  - the tenant a point is published under is the one whose scope wrote it;
 *  - publishing happens after the backend's write resolved, so a refused or failed batch
 *    (all-or-nothing) publishes nothing. With the MLflow backend "resolved" means stored upstream
 *    or durably spooled in the outbox, which is what the caller was told too.
 *
 * A Proxy rather than a class spelling out ~30 methods: everything but the two writes is passed
 * through untouched (including the optional ModelsBackend methods, which `supportsModels` detects
 * by their presence), bound to the real backend so its private fields keep working.
 */
import type { TrackingBackend } from '../tracking/backend.ts';
import type { LogBatchInput, RunInfo, UpdateRunInput } from '../tracking/types.ts';
import type { MetricHub } from './metric-hub.ts';

export function withLivePublishing<B extends TrackingBackend>(backend: B, tenant: string, hub: MetricHub): B {
  const logBatch = async (runId: string, batch: LogBatchInput): Promise<void> => {
    await backend.logBatch(runId, batch);
    if (batch.metrics && batch.metrics.length > 0) hub.publishMetrics(tenant, runId, batch.metrics);
  };
  const updateRun = async (runId: string, input: UpdateRunInput): Promise<RunInfo> => {
    const info = await backend.updateRun(runId, input);
    // A rename alone is not a status change; the frame carries what the backend now holds.
    if (input.status !== undefined || input.endTime !== undefined) {
      hub.publishStatus(tenant, runId, { status: info.status, endTime: info.endTime });
    }
    return info;
  };
  return new Proxy(backend, {
    get(target, prop) {
      if (prop === 'logBatch') return logBatch;
      if (prop === 'updateRun') return updateRun;
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
