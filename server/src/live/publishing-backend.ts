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
 * Structural writes (experiments and runs created, renamed, archived, restored) go to the hub's
 * change feed the same way, so the editor's tree shows a run a script started without a refresh.
 *
 * A Proxy rather than a class spelling out ~30 methods: everything but the two writes is passed
 * through untouched (including the optional ModelsBackend methods, which `supportsModels` detects
 * by their presence), bound to the real backend so its private fields keep working.
 */
import type { TrackingBackend } from '../tracking/backend.ts';
import type { CreateExperimentInput, CreateRunInput, LogBatchInput, Run, RunInfo, UpdateRunInput } from '../tracking/types.ts';
import type { MetricHub } from './metric-hub.ts';

export function withLivePublishing<B extends TrackingBackend>(backend: B, tenant: string, hub: MetricHub): B {
  const changes = hub.changes;
  const experimentChanged = (experimentId: string, created = false): void =>
    changes.publish({ tenant, kind: 'experiments', experimentId, created });
  const runChanged = (runId: string, experimentId?: string, created = false): void =>
    changes.publish({ tenant, kind: 'runs', runId, created, ...(experimentId !== undefined ? { experimentId } : {}) });
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
    if (input.runName !== undefined) runChanged(runId, info.experimentId);
    return info;
  };
  const structural: Partial<Record<keyof TrackingBackend, unknown>> = {
    async createExperiment(input: CreateExperimentInput): Promise<string> {
      const id = await backend.createExperiment(input);
      experimentChanged(id, true);
      return id;
    },
    async renameExperiment(experimentId: string, newName: string): Promise<void> {
      await backend.renameExperiment(experimentId, newName);
      experimentChanged(experimentId);
    },
    async deleteExperiment(experimentId: string): Promise<void> {
      await backend.deleteExperiment(experimentId);
      experimentChanged(experimentId);
    },
    async restoreExperiment(experimentId: string): Promise<void> {
      await backend.restoreExperiment(experimentId);
      experimentChanged(experimentId);
    },
    async createRun(input: CreateRunInput): Promise<Run> {
      const run = await backend.createRun(input);
      runChanged(run.info.runId, run.info.experimentId, true);
      return run;
    },
    async deleteRun(runId: string): Promise<void> {
      await backend.deleteRun(runId);
      runChanged(runId);
    },
    async restoreRun(runId: string): Promise<void> {
      await backend.restoreRun(runId);
      runChanged(runId);
    },
  };
  return new Proxy(backend, {
    get(target, prop) {
      if (prop === 'logBatch') return logBatch;
      if (prop === 'updateRun') return updateRun;
      if (typeof prop === 'string' && prop in structural) return structural[prop as keyof TrackingBackend];
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
