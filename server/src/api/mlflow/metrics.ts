/**
 * MLflow's metric history endpoints (§3.4 of the reference): get-history, the UI's
 * get-history-bulk-interval (sampled), and the legacy ajax-only get-history-bulk.
 *
 * Like MLflow's SQL store, a run that does not exist has an empty history here rather than a
 * 404; under a TenantScope another tenant's run reads the same way, so the answer never tells
 * the two apart.
 */
import type { TrackingBackend } from '../../tracking/backend.ts';
import { TrackingError } from '../../tracking/errors.ts';
import type { Metric } from '../../tracking/types.ts';
import { metricJson } from './present.ts';
import type { MlflowRoute } from './route.ts';
import { type RunHistory, sampleBulkInterval } from './sampling.ts';
import { invalidParameter, invalidRange } from './wire.ts';

/** MLflow's MAX_RUNS_GET_METRIC_HISTORY_BULK. */
export const MAX_BULK_RUN_IDS = 100;
/** MLflow's MAX_RESULTS_PER_RUN for get-history-bulk-interval. */
export const MAX_RESULTS_PER_RUN = 2500;
/** MLflow's MAX_HISTORY_RESULTS for the legacy get-history-bulk, and the Python client's page size. */
export const MAX_HISTORY_RESULTS = 25000;

function isNotFound(err: unknown): boolean {
  return err instanceof TrackingError && err.code === 'RESOURCE_DOES_NOT_EXIST';
}

/**
 * A run's points of one metric in the store's order (timestamp, step, value), from `pageToken`
 * on, at most `limit` of them; a missing run has none.
 */
async function history(scope: TrackingBackend, runId: string, key: string, limit = Infinity, pageToken?: string): Promise<Metric[]> {
  const points: Metric[] = [];
  let token = pageToken;
  try {
    do {
      const maxResults = Math.min(MAX_HISTORY_RESULTS, limit - points.length);
      const page = await scope.getMetricHistory(runId, key, { maxResults, ...(token ? { pageToken: token } : {}) });
      points.push(...page.items);
      token = page.nextPageToken;
    } while (token && points.length < limit);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
  return points;
}

function positive(name: string, value: number): number {
  if (value <= 0) throw invalidParameter(`Invalid value ${value} for parameter '${name}' supplied. It must be a positive integer.`);
  return value;
}

/** Each id once, in the order first given. */
function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}

export const metricRoutes: MlflowRoute[] = [
  {
    method: 'GET',
    path: 'metrics/get-history',
    fields: {
      run_id: { kind: 'string', required: true },
      metric_key: { kind: 'string', required: true },
      page_token: { kind: 'string' },
      max_results: { kind: 'int' },
    },
    async handle({ scope, req }) {
      const runId = req.text('run_id');
      const key = req.text('metric_key');
      const pageToken = req.string('page_token') || undefined;
      const maxResults = req.int('max_results');
      const out: Record<string, unknown> = {};
      let points: Metric[];
      if (maxResults === undefined) {
        // No max_results: the whole history in one answer, as MLflow does.
        points = await history(scope, runId, key, Infinity, pageToken);
      } else {
        try {
          const page = await scope.getMetricHistory(runId, key, {
            maxResults: positive('max_results', maxResults),
            ...(pageToken ? { pageToken } : {}),
          });
          points = page.items;
          if (page.nextPageToken) out.next_page_token = page.nextPageToken;
        } catch (err) {
          if (!isNotFound(err)) throw err;
          points = [];
        }
      }
      if (points.length > 0) out.metrics = points.map((m) => metricJson(m));
      return out;
    },
  },
  {
    method: 'GET',
    path: 'metrics/get-history-bulk-interval',
    fields: {
      run_ids: { kind: 'string[]', required: true },
      metric_key: { kind: 'string', required: true },
      start_step: { kind: 'int' },
      end_step: { kind: 'int' },
      max_results: { kind: 'int' },
    },
    async handle({ scope, req }) {
      const runIds = req.strings('run_ids') ?? [];
      if (runIds.length > MAX_BULK_RUN_IDS) {
        throw invalidRange(
          `GetMetricHistoryBulkInterval request must specify at most ${MAX_BULK_RUN_IDS} run_ids. Received ${runIds.length} run_ids.`,
        );
      }
      const key = req.text('metric_key');
      const maxResults = req.int('max_results') ?? MAX_RESULTS_PER_RUN;
      if (maxResults < 1 || maxResults > MAX_RESULTS_PER_RUN) {
        throw invalidRange(`max_results must be between 1 and ${MAX_RESULTS_PER_RUN}.`);
      }
      const start = req.int('start_step');
      const end = req.int('end_step');
      if ((start === undefined) !== (end === undefined)) {
        throw invalidParameter('If either start step or end step are specified, both must be specified.');
      }
      if (start !== undefined && end !== undefined && start > end) {
        throw invalidParameter(`end_step must be greater than start_step. Found start_step=${start} and end_step=${end}.`);
      }
      const histories: RunHistory[] = [];
      for (const runId of unique(runIds)) histories.push({ runId, points: await history(scope, runId, key) });
      const range = start !== undefined && end !== undefined ? { start, end } : undefined;
      const sampled = sampleBulkInterval(histories, maxResults, range);
      return sampled.length > 0 ? { metrics: sampled.map((s) => metricJson(s.metric, s.runId)) } : {};
    },
  },
  {
    method: 'GET',
    path: 'metrics/get-history-bulk',
    ajaxOnly: true,
    fields: { run_id: { kind: 'string[]' }, metric_key: { kind: 'string' }, max_results: { kind: 'int' } },
    async handle({ scope, req }) {
      const runIds = req.strings('run_id') ?? [];
      if (runIds.length === 0) throw invalidParameter('GetMetricHistoryBulk request must specify at least one run_id.');
      if (runIds.length > MAX_BULK_RUN_IDS) {
        throw invalidParameter(
          `GetMetricHistoryBulk request cannot specify more than ${MAX_BULK_RUN_IDS} run_ids. Received ${runIds.length} run_ids.`,
        );
      }
      const key = req.string('metric_key');
      if (key === undefined) throw invalidParameter('GetMetricHistoryBulk request must specify a metric_key.');
      const maxResults = Math.min(positive('max_results', req.int('max_results') ?? MAX_HISTORY_RESULTS), MAX_HISTORY_RESULTS);
      // MLflow reads the runs in sorted id order and truncates the whole answer to max_results.
      const metrics: Record<string, unknown>[] = [];
      for (const runId of unique(runIds).sort()) {
        if (metrics.length >= maxResults) break;
        for (const m of await history(scope, runId, key, maxResults - metrics.length)) metrics.push(metricJson(m, runId));
      }
      return { metrics };
    },
  },
];
