/**
 * `Runs.*`: one tenant's runs through its TenantScope, with the v1 REST API's rules (lowercase
 * statuses in filters, a final status ends the run now and never before its start, no restore
 * inside an archived experiment), answered as RunViews.
 */
import { Runs, type RunView } from '../../../../protocol/src/index.ts';
import { compareRuns } from '../../api/v1/compare.ts';
import { statusFromName, toRunResponse } from '../../api/v1/present.ts';
import { runFilter } from '../../api/v1/query.ts';
import { listLocalArtifacts } from '../../artifacts/local-listing.ts';
import type { TenantScope } from '../../tenancy/tenant-scope.ts';
import { invalid } from '../../tracking/errors.ts';
import type { Run } from '../../tracking/types.ts';
import { compareView, historyView, runView } from '../present.ts';
import type { Requests } from '../register.ts';
import type { DaemonSession } from '../session.ts';

export function registerRunRequests(requests: Requests, session: DaemonSession): void {
  requests.on(Runs.list, (p) =>
    session.use(async (l) => {
      const scope = l.tenants.scope(p.tenant);
      // A missing or foreign experiment is not_found, not an empty list.
      await scope.getExperiment(p.experimentId);
      const page = await scope.searchRuns({
        experimentIds: [p.experimentId],
        maxResults: p.maxResults,
        viewType: p.showArchived ? 'ALL' : 'ACTIVE_ONLY',
        ...(p.filter?.trim() ? { filter: runFilter(p.filter) } : {}),
        ...(p.orderBy?.length ? { orderBy: p.orderBy } : {}),
        ...(p.pageToken ? { pageToken: p.pageToken } : {}),
      });
      return { items: await Promise.all(page.items.map(present)), ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
    }),
  );

  requests.on(Runs.get, (p) => session.use(async (l) => present(await l.tenants.scope(p.tenant).getRun(p.runId))));

  requests.on(Runs.create, (p) =>
    session.use(async (l) => {
      const tags = p.tags ?? {};
      for (const key of Object.keys(tags)) refuseDaemonTag(key, `tags.${key}`);
      const run = await l.tenants.scope(p.tenant).createRun({
        experimentId: p.experimentId,
        tags,
        ...(p.name ? { runName: p.name } : {}),
      });
      return present(run);
    }),
  );

  requests.on(Runs.update, (p) =>
    session.use(async (l) => {
      const scope = l.tenants.scope(p.tenant);
      const status = p.status ? statusFromName(p.status) : undefined;
      const ends = status !== undefined && status !== 'RUNNING' && status !== 'SCHEDULED';
      if (ends) {
        const endTime = Date.now();
        const { startTime } = (await scope.getRun(p.runId)).info;
        // A run started "in the future" by a client with a skewed clock would otherwise end before it began.
        if (endTime < startTime) throw invalid(`the run starts at ${new Date(startTime).toISOString()}, after now; it cannot end yet`, 'status');
        await scope.updateRun(p.runId, { status, endTime, ...(p.name ? { runName: p.name } : {}) });
      } else {
        await scope.updateRun(p.runId, { ...(status ? { status } : {}), ...(p.name ? { runName: p.name } : {}) });
      }
      return present(await scope.getRun(p.runId));
    }),
  );

  requests.on(Runs.setTag, (p) =>
    session.use(async (l) => {
      refuseDaemonTag(p.key, 'key');
      const scope = l.tenants.scope(p.tenant);
      await scope.logBatch(p.runId, { tags: [{ key: p.key, value: p.value }] });
      return present(await scope.getRun(p.runId));
    }),
  );

  requests.on(Runs.deleteTag, (p) =>
    session.use(async (l) => {
      refuseDaemonTag(p.key, 'key');
      const scope = l.tenants.scope(p.tenant);
      await scope.deleteRunTag(p.runId, p.key);
      return present(await scope.getRun(p.runId));
    }),
  );

  requests.on(Runs.archive, (p) =>
    session.use(async (l) => {
      const scope = l.tenants.scope(p.tenant);
      await scope.deleteRun(p.runId);
      return present(await scope.getRun(p.runId));
    }),
  );

  requests.on(Runs.restore, (p) =>
    session.use(async (l) => {
      const scope = l.tenants.scope(p.tenant);
      const run = await scope.getRun(p.runId);
      // MLflow would allow it, but a live run inside an archived experiment is a state no view shows.
      if ((await scope.getExperiment(run.info.experimentId)).lifecycleStage !== 'active') {
        throw invalid(`run ${p.runId} is in archived experiment ${run.info.experimentId}; restore the experiment first`, 'runId');
      }
      await scope.restoreRun(p.runId);
      return present(await scope.getRun(p.runId));
    }),
  );

  requests.on(Runs.metricHistory, (p) =>
    session.use(async (l) => {
      const page = await l.tenants.scope(p.tenant).getMetricHistory(p.runId, p.key, {
        maxResults: p.maxResults,
        ...(p.pageToken ? { pageToken: p.pageToken } : {}),
      });
      return historyView(p.runId, p.key, page);
    }),
  );

  requests.on(Runs.compare, (p) =>
    session.use(async (l) => {
      const scope: TenantScope = l.tenants.scope(p.tenant);
      const runs: Run[] = [];
      for (const id of new Set(p.runIds)) runs.push(await scope.getRun(id));
      const artifacts = await Promise.all(runs.map((r) => listLocalArtifacts(r.info.artifactUri)));
      const views = new Map<string, RunView>(runs.map((r, i) => [r.info.runId, runView(r, artifacts[i]!)]));
      const answer = compareRuns(
        runs.map((r, i) => toRunResponse(r, artifacts[i]!)),
        p.metricKeys,
        p.directions,
      );
      return compareView(answer, views);
    }),
  );
}

async function present(run: Run): Promise<RunView> {
  return runView(run, await listLocalArtifacts(run.info.artifactUri));
}

/** `matih.*` tags are the daemon's (the tenant tag above all); the user cannot set or remove them. */
function refuseDaemonTag(key: string, field: string): void {
  if (key.startsWith('matih.')) throw invalid(`tags starting with 'matih.' are reserved for the daemon`, field);
}
