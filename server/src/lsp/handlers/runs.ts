/**
 * `Runs.*`: one tenant's runs through its TenantScope, over the same services as the v1 REST API
 * (services/runs.ts, services/compare.ts), answered as RunViews with the run's artifact listing
 * (from whichever store holds it, services/artifacts.ts).
 */
import { Runs } from '../../../../protocol/src/index.ts';
import { compareRuns } from '../../services/compare.ts';
import * as runs from '../../services/runs.ts';
import { iso, statusFromName } from '../../services/views.ts';
import { invalid } from '../../tracking/errors.ts';
import { listOptions } from '../list-options.ts';
import type { Listener } from '../listener.ts';
import type { Requests } from '../register.ts';
import type { DaemonSession } from '../session.ts';

export function registerRunRequests(requests: Requests, session: DaemonSession): void {
  /** Calls `fn` with the tenant's run context on the current listener. */
  const use = <T>(tenant: string, fn: (ctx: runs.RunContext) => Promise<T>) => session.use((l) => fn(runContext(l, tenant)));

  requests.on(Runs.list, (p) => use(p.tenant, (ctx) => runs.list(ctx, p.experimentId, listOptions(p))));
  requests.on(Runs.get, (p) => use(p.tenant, (ctx) => runs.get(ctx, p.runId)));
  requests.on(Runs.create, (p) => use(p.tenant, (ctx) => runs.create(ctx, p)));
  requests.on(Runs.update, (p) =>
    use(p.tenant, (ctx) => endingNow(runs.update(ctx, p.runId, { name: p.name, status: p.status && statusFromName(p.status) }))),
  );
  requests.on(Runs.setTag, (p) =>
    use(p.tenant, async (ctx) => {
      await runs.setTag(ctx, p.runId, p.key, p.value);
      return runs.get(ctx, p.runId);
    }),
  );
  requests.on(Runs.deleteTag, (p) =>
    use(p.tenant, async (ctx) => {
      await runs.deleteTag(ctx, p.runId, p.key);
      return runs.get(ctx, p.runId);
    }),
  );
  requests.on(Runs.archive, (p) => use(p.tenant, (ctx) => runs.archive(ctx, p.runId)));
  requests.on(Runs.restore, (p) => use(p.tenant, (ctx) => runs.restore(ctx, p.runId)));
  requests.on(Runs.metricHistory, (p) => use(p.tenant, (ctx) => runs.history(ctx.scope, p.runId, p.key, p)));
  requests.on(Runs.compare, (p) => use(p.tenant, (ctx) => compareRuns(ctx, p.runIds, p.metricKeys, p.directions)));
}

function runContext(l: Listener, tenant: string): runs.RunContext {
  return { scope: l.tenants.scope(tenant), listArtifacts: (uri) => l.artifacts.listFiles(uri, tenant) };
}

/**
 * The protocol sends no end time: a final status ends the run now. "Now" is before the start of a
 * run begun "in the future" by a client with a skewed clock; the user never sent an end time, so
 * the refusal says that instead of naming a field they do not have.
 */
async function endingNow<T>(update: Promise<T>): Promise<T> {
  try {
    return await update;
  } catch (err) {
    if (err instanceof runs.EndsBeforeStart) throw invalid(`the run starts at ${iso(err.startTime)}, after now; it cannot end yet`, 'status');
    throw err;
  }
}
