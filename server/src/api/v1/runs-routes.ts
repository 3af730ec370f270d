import type { z } from 'zod';
import type { TrackingBackend } from '../../tracking/backend.ts';
import { invalid } from '../../tracking/errors.ts';
import type { LogBatchInput, Metric, RunStatus } from '../../tracking/types.ts';
import { compareRuns } from './compare.ts';
import { presentRuns, refuseReservedTags } from './experiments-routes.ts';
import { runFilter, splitOrderBy, viewType } from './query.ts';
import { statusFromName, toHistoryPoint, toRunResponse } from './present.ts';
import { type ApiRoute, type V1Deps, route } from './route-kit.ts';
import {
  CompareRequest,
  CompareResponse,
  HistoryQuery,
  LogBatch,
  LogMetrics,
  LogParams,
  LogTags,
  type MetricPoint,
  MetricHistoryResponse,
  RunCreate,
  RunEnd,
  RunList,
  RunResponse,
  RunSearch,
  RunUpdate,
} from './schemas.ts';

const RUN = '/api/v1/experiments/runs/{run_id}';

const END_STATUS: Record<'finish' | 'fail' | 'kill', RunStatus> = { finish: 'FINISHED', fail: 'FAILED', kill: 'KILLED' };

/** The seed's run lifecycle: create, log, end, archive, restore, history, compare. */
export const runRoutes: ApiRoute[] = [
  route({
    method: 'POST',
    path: '/api/v1/experiments/runs',
    summary: 'Create a run in an experiment',
    tenant: true,
    body: RunCreate,
    response: RunResponse,
    status: 201,
    async handle({ scope, body }, deps) {
      refuseReservedTags(body.tags, 'tags');
      const run = await scope.createRun({
        experimentId: body.experiment_id,
        tags: body.tags,
        ...(body.name ? { runName: body.name } : {}),
        ...(body.start_time !== undefined ? { startTime: body.start_time } : {}),
      });
      return toRunResponse(run, await deps.listArtifacts(run.info.artifactUri));
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/experiments/runs/search',
    summary: 'Search runs across experiments (MLflow filter syntax, order, paging)',
    tenant: true,
    body: RunSearch,
    response: RunList,
    status: 200,
    async handle({ scope, body }, deps) {
      const page = await scope.searchRuns({
        experimentIds: body.experiment_ids,
        maxResults: body.max_results,
        viewType: viewType(body.view),
        orderBy: body.order_by.flatMap(splitOrderBy),
        ...(body.filter ? { filter: runFilter(body.filter) } : {}),
        ...(body.page_token ? { pageToken: body.page_token } : {}),
      });
      return { runs: await presentRuns(page.items, deps), next_page_token: page.nextPageToken ?? null };
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/experiments/runs/compare',
    summary: 'Compare runs: latest metrics side by side with the best run per metric, and params',
    tenant: true,
    body: CompareRequest,
    response: CompareResponse,
    status: 200,
    async handle({ scope, body }, deps) {
      const runs = [];
      for (const id of new Set(body.run_ids)) runs.push(await scope.getRun(id));
      return compareRuns(await presentRuns(runs, deps), body.metric_keys, body.directions);
    },
  }),
  route({
    method: 'GET',
    path: RUN,
    summary: 'Get a run with its params, tags, latest metrics and artifacts',
    tenant: true,
    response: RunResponse,
    status: 200,
    async handle({ scope, params }, deps) {
      return present(scope, params.run_id!, deps);
    },
  }),
  route({
    method: 'PATCH',
    path: RUN,
    summary: 'Rename a run or set its status; a final status without end_time ends it now',
    tenant: true,
    body: RunUpdate,
    response: RunResponse,
    status: 200,
    async handle({ scope, params, body }, deps) {
      const id = params.run_id!;
      const status = body.status ? statusFromName(body.status) : undefined;
      const ends = status !== undefined && status !== 'RUNNING' && status !== 'SCHEDULED';
      const endTime = body.end_time ?? (ends ? Date.now() : undefined);
      if (endTime !== undefined) await checkEndTime(scope, id, endTime);
      await scope.updateRun(id, {
        ...(status ? { status } : {}),
        ...(endTime !== undefined ? { endTime } : {}),
        ...(body.name ? { runName: body.name } : {}),
      });
      return present(scope, id, deps);
    },
  }),
  ...(['finish', 'fail', 'kill'] as const).map((verb) => endRoute(verb)),
  lifecycleRoute('POST', `${RUN}/archive`, 'Archive (soft-delete) a run', (s, id) => s.deleteRun(id)),
  lifecycleRoute('DELETE', RUN, 'Archive (soft-delete) a run; the same as POST .../archive', (s, id) => s.deleteRun(id)),
  lifecycleRoute('POST', `${RUN}/restore`, 'Restore an archived run (its experiment must be active)', async (s, id) => {
    const run = await s.getRun(id);
    // MLflow would allow it, but a live run inside an archived experiment is a state no view shows.
    if ((await s.getExperiment(run.info.experimentId)).lifecycleStage !== 'active') {
      throw invalid(`run ${id} is in archived experiment ${run.info.experimentId}; restore the experiment first`, 'run_id');
    }
    await s.restoreRun(id);
  }),
  route({
    method: 'POST',
    path: `${RUN}/metrics`,
    summary: 'Log one metric point ({key, value, step, timestamp}) or many ({metrics: [...]})',
    tenant: true,
    body: LogMetrics,
    status: 200,
    async handle({ scope, params, body }) {
      const points = 'metrics' in body ? body.metrics : [body];
      await scope.logBatch(params.run_id!, { metrics: toMetrics(points) });
      return { logged: { metrics: points.length, params: 0, tags: 0 } };
    },
  }),
  route({
    method: 'POST',
    path: `${RUN}/params`,
    summary: 'Log params (write-once: a different value for a logged key is refused)',
    tenant: true,
    body: LogParams,
    status: 200,
    async handle({ scope, params, body }) {
      await scope.logBatch(params.run_id!, { params: entries(body.params) });
      return { logged: { metrics: 0, params: Object.keys(body.params).length, tags: 0 } };
    },
  }),
  route({
    method: 'POST',
    path: `${RUN}/tags`,
    summary: 'Set run tags (last write wins)',
    tenant: true,
    body: LogTags,
    status: 200,
    async handle({ scope, params, body }) {
      refuseReservedTags(body.tags, 'tags');
      await scope.logBatch(params.run_id!, { tags: entries(body.tags) });
      return { logged: { metrics: 0, params: 0, tags: Object.keys(body.tags).length } };
    },
  }),
  route({
    method: 'DELETE',
    path: `${RUN}/tags/{key}`,
    summary: 'Remove a run tag',
    tenant: true,
    status: 204,
    async handle({ scope, params }) {
      refuseReservedTags({ [params.key!]: '' }, 'key');
      await scope.deleteRunTag(params.run_id!, params.key!);
    },
  }),
  route({
    method: 'POST',
    path: `${RUN}/log-batch`,
    summary: 'Log metrics, params and tags in one all-or-nothing batch',
    tenant: true,
    body: LogBatch,
    status: 200,
    async handle({ scope, params, body }) {
      refuseReservedTags(body.tags, 'tags');
      const batch: LogBatchInput = { metrics: toMetrics(body.metrics), params: entries(body.params), tags: entries(body.tags) };
      await scope.logBatch(params.run_id!, batch);
      return { logged: { metrics: body.metrics.length, params: batch.params!.length, tags: batch.tags!.length } };
    },
  }),
  route({
    method: 'GET',
    path: `${RUN}/metrics/history`,
    summary: 'Every logged point of one metric (query: key, max_results, page_token)',
    tenant: true,
    query: HistoryQuery,
    response: MetricHistoryResponse,
    status: 200,
    async handle({ scope, params, query }) {
      const page = await scope.getMetricHistory(params.run_id!, query.key, {
        maxResults: query.max_results,
        ...(query.page_token ? { pageToken: query.page_token } : {}),
      });
      return {
        run_id: params.run_id!,
        key: query.key,
        points: page.items.map(toHistoryPoint),
        next_page_token: page.nextPageToken ?? null,
      };
    },
  }),
];

function endRoute(verb: 'finish' | 'fail' | 'kill'): ApiRoute {
  return route({
    method: 'POST',
    path: `${RUN}/${verb}`,
    summary: `Mark a run ${END_STATUS[verb].toLowerCase()} and set its end time (now unless end_time is given)`,
    tenant: true,
    body: RunEnd,
    response: RunResponse,
    status: 200,
    async handle({ scope, params, body }, deps) {
      const endTime = body?.end_time ?? Date.now();
      await checkEndTime(scope, params.run_id!, endTime);
      await scope.updateRun(params.run_id!, { status: END_STATUS[verb], endTime });
      return present(scope, params.run_id!, deps);
    },
  });
}

/** A bodiless action on one run that answers with the run as it is afterwards. */
function lifecycleRoute(
  method: 'POST' | 'DELETE',
  path: string,
  summary: string,
  act: (scope: TrackingBackend, runId: string) => Promise<void>,
): ApiRoute {
  return route({
    method,
    path,
    summary,
    tenant: true,
    response: RunResponse,
    status: 200,
    async handle({ scope, params }, deps) {
      await act(scope, params.run_id!);
      return present(scope, params.run_id!, deps);
    },
  });
}

async function checkEndTime(scope: TrackingBackend, runId: string, endTime: number): Promise<void> {
  const { startTime } = (await scope.getRun(runId)).info;
  if (endTime < startTime) {
    throw invalid(`end_time ${new Date(endTime).toISOString()} is before the run's start_time ${new Date(startTime).toISOString()}`, 'end_time');
  }
}

async function present(scope: TrackingBackend, runId: string, deps: V1Deps) {
  const run = await scope.getRun(runId);
  return toRunResponse(run, await deps.listArtifacts(run.info.artifactUri));
}

function toMetrics(points: z.output<typeof MetricPoint>[]): Metric[] {
  const now = Date.now();
  return points.map((p) => ({ key: p.key, value: p.value, step: p.step, timestamp: p.timestamp ?? now }));
}

function entries(map: Record<string, string>): { key: string; value: string }[] {
  return Object.entries(map).map(([key, value]) => ({ key, value }));
}
