import type { z } from 'zod';
import type { RunView } from '../../../../protocol/src/index.ts';
import { compareRuns } from '../../services/compare.ts';
import { refuseDaemonTag, refuseDaemonTags } from '../../services/daemon-tags.ts';
import * as runs from '../../services/runs.ts';
import { statusFromName } from '../../services/views.ts';
import type { LogBatchInput, Metric, RunStatus } from '../../tracking/types.ts';
import { toCompareResponse, toHistoryResponse, toRunList, toRunResponse } from './present.ts';
import { fromRunSearch } from './query.ts';
import { type ApiRoute, route, runContext } from './route-kit.ts';
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

// Runs have no description field, so MLflow's note tag is an ordinary run tag here; only the
// daemon's `matih.*` tags are refused.

/** The seed's run lifecycle over services/runs.ts: create, log, end, archive, restore, history, compare. */
export const runRoutes: ApiRoute[] = [
  route({
    method: 'POST',
    path: '/api/v1/experiments/runs',
    summary: 'Create a run in an experiment',
    tenant: true,
    body: RunCreate,
    response: RunResponse,
    status: 201,
    async handle(call, deps) {
      const { experiment_id, name, start_time, tags } = call.body;
      refuseDaemonTags(tags, 'tags');
      return toRunResponse(await runs.create(runContext(call, deps), { experimentId: experiment_id, name, startTime: start_time, tags }));
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
    async handle(call, deps) {
      return toRunList(await runs.search(runContext(call, deps), call.body.experiment_ids, fromRunSearch(call.body)));
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
    async handle(call, deps) {
      const { run_ids, metric_keys, directions } = call.body;
      return toCompareResponse(await compareRuns(runContext(call, deps), run_ids, metric_keys, directions));
    },
  }),
  runRoute('GET', RUN, 'Get a run with its params, tags, latest metrics and artifacts', runs.get),
  route({
    method: 'PATCH',
    path: RUN,
    summary: 'Rename a run or set its status; a final status without end_time ends it now',
    tenant: true,
    body: RunUpdate,
    response: RunResponse,
    status: 200,
    async handle(call, deps) {
      const { name, status, end_time } = call.body;
      const change = { name, status: status && statusFromName(status), endTime: end_time };
      return toRunResponse(await runs.update(runContext(call, deps), call.params.run_id!, change));
    },
  }),
  ...(['finish', 'fail', 'kill'] as const).map((verb) => endRoute(verb)),
  runRoute('POST', `${RUN}/archive`, 'Archive (soft-delete) a run', runs.archive),
  runRoute('DELETE', RUN, 'Archive (soft-delete) a run; the same as POST .../archive', runs.archive),
  runRoute('POST', `${RUN}/restore`, 'Restore an archived run (its experiment must be active)', runs.restore),
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
      refuseDaemonTags(body.tags, 'tags');
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
    async handle(call, deps) {
      refuseDaemonTag(call.params.key!, 'key');
      await runs.deleteTag(runContext(call, deps), call.params.run_id!, call.params.key!);
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
      refuseDaemonTags(body.tags, 'tags');
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
      const page = { maxResults: query.max_results, pageToken: query.page_token };
      return toHistoryResponse(await runs.history(scope, params.run_id!, query.key, page));
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
    async handle(call, deps) {
      const change = { status: END_STATUS[verb], endTime: call.body?.end_time };
      return toRunResponse(await runs.update(runContext(call, deps), call.params.run_id!, change));
    },
  });
}

/** A bodiless request on one run that answers with the run as it is afterwards. */
function runRoute(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  summary: string,
  act: (ctx: runs.RunContext, runId: string) => Promise<RunView>,
): ApiRoute {
  return route({
    method,
    path,
    summary,
    tenant: true,
    response: RunResponse,
    status: 200,
    async handle(call, deps) {
      return toRunResponse(await act(runContext(call, deps), call.params.run_id!));
    },
  });
}

function toMetrics(points: z.output<typeof MetricPoint>[]): Metric[] {
  const now = Date.now();
  return points.map((p) => ({ key: p.key, value: p.value, step: p.step, timestamp: p.timestamp ?? now }));
}

function entries(map: Record<string, string>): { key: string; value: string }[] {
  return Object.entries(map).map(([key, value]) => ({ key, value }));
}
