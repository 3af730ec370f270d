/**
 * MLflow's run endpoints (§3.3 of the reference): lifecycle, search and logging, over the
 * caller's TenantScope. Every write goes through `logBatch`, which is all or nothing.
 */
import { RUN_STATUSES } from '../../tracking/types.ts';
import type { Metric } from '../../tracking/types.ts';
import { VIEW_TYPES } from './experiments.ts';
import { runInfoJson, runJson } from './present.ts';
import type { MlflowRoute } from './route.ts';
import { DEFAULT_EXPERIMENT_ID } from './default-experiment.ts';
import {
  entryText,
  keyValues,
  missingValue,
  searchMaxResults,
  toDouble,
  toEnum,
  toInt,
} from './wire.ts';

/** MLflow's default page size for run search. */
const DEFAULT_SEARCH_RUNS = 1000;

const RUN_ID = { run_id: { kind: 'string', required: true } } as const;
const KEY = { key: { kind: 'string', required: true } } as const;

/**
 * One entry of log-batch's `metrics`: key, value and timestamp are required (MLflow's
 * `metrics[i].key` wording), step defaults to 0.
 */
function batchMetric(entry: Record<string, unknown>, i: number): Metric {
  const path = (f: string) => `metrics[${i}].${f}`;
  for (const f of ['key', 'value', 'timestamp']) {
    const v = entry[f];
    if (v === undefined || v === null || v === '') throw missingValue(path(f));
  }
  const step = entry.step;
  return {
    key: entryText(entry, 'key', path('key'), true),
    value: toDouble(entry.value, path('value')),
    timestamp: toInt(entry.timestamp, path('timestamp')),
    step: step === undefined || step === null || step === '' ? 0 : toInt(step, path('step')),
    ...modelFields((f) => entryText(entry, f, path(f), false)),
  };
}

/**
 * MLflow 3's model and data set fields of a metric point (autolog's training metrics carry
 * them); an empty one is absent, as MLflow's `Metric.from_proto` reads it.
 */
function modelFields(read: (field: string) => string | undefined): Pick<Metric, 'modelId' | 'datasetName' | 'datasetDigest'> {
  const out: Pick<Metric, 'modelId' | 'datasetName' | 'datasetDigest'> = {};
  const modelId = read('model_id');
  const datasetName = read('dataset_name');
  const datasetDigest = read('dataset_digest');
  if (modelId) out.modelId = modelId;
  if (datasetName) out.datasetName = datasetName;
  if (datasetDigest) out.datasetDigest = datasetDigest;
  return out;
}

function entries(list: Record<string, unknown>[] | undefined, field: string): { key: string; value: string }[] {
  return (list ?? []).map((e, i) => ({
    key: entryText(e, 'key', `${field}[${i}].key`, true),
    value: entryText(e, 'value', `${field}[${i}].value`, false),
  }));
}

export const runRoutes: MlflowRoute[] = [
  {
    method: 'POST',
    path: 'runs/create',
    fields: {
      experiment_id: { kind: 'string' },
      user_id: { kind: 'string' },
      run_name: { kind: 'string' },
      start_time: { kind: 'int' },
      tags: { kind: 'object[]' },
    },
    async handle({ scope, ids, req }) {
      // The store takes the name from the `mlflow.runName` tag when run_name is left out.
      const runName = req.string('run_name');
      const userId = req.string('user_id');
      const startTime = req.int('start_time');
      const run = await scope.createRun({
        // A client that leaves the experiment out means the default one, as MLflow's fluent API does.
        experimentId: ids.toStored(req.string('experiment_id') || DEFAULT_EXPERIMENT_ID),
        tags: keyValues(req.objects('tags'), 'tags'),
        ...(runName ? { runName } : {}),
        ...(userId ? { userId } : {}),
        ...(startTime ? { startTime } : {}),
      });
      return { run: runJson(run, ids.show, { outputs: false }) };
    },
  },
  {
    method: 'GET',
    path: 'runs/get',
    fields: RUN_ID,
    async handle({ scope, ids, req }) {
      return { run: runJson(await scope.getRun(req.text('run_id')), ids.show, { outputs: true }) };
    },
  },
  {
    method: 'POST',
    path: 'runs/update',
    fields: { ...RUN_ID, status: { kind: 'enum' }, end_time: { kind: 'int' }, run_name: { kind: 'string' } },
    async handle({ scope, ids, req }) {
      // `mlflow.start_run()` resuming MLFLOW_RUN_ID lands here with status RUNNING.
      const status = req.has('status') ? toEnum(req.raw('status'), RUN_STATUSES, 'status') : undefined;
      const endTime = req.int('end_time');
      const runName = req.string('run_name');
      const info = await scope.updateRun(req.text('run_id'), {
        ...(status ? { status } : {}),
        ...(endTime !== undefined ? { endTime } : {}),
        ...(runName ? { runName } : {}),
      });
      return { run_info: runInfoJson(info, ids.show) };
    },
  },
  {
    method: 'POST',
    path: 'runs/delete',
    fields: RUN_ID,
    async handle({ scope, req }) {
      await scope.deleteRun(req.text('run_id'));
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/restore',
    fields: RUN_ID,
    async handle({ scope, req }) {
      await scope.restoreRun(req.text('run_id'));
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/search',
    fields: {
      experiment_ids: { kind: 'string[]' },
      filter: { kind: 'string' },
      run_view_type: { kind: 'enum' },
      max_results: { kind: 'int' },
      order_by: { kind: 'string[]' },
      page_token: { kind: 'string' },
    },
    async handle({ scope, ids, req }) {
      const viewType = req.has('run_view_type')
        ? toEnum(req.raw('run_view_type'), VIEW_TYPES, 'run_view_type')
        : 'ACTIVE_ONLY';
      const filter = req.string('filter');
      const pageToken = req.string('page_token');
      const page = await scope.searchRuns({
        experimentIds: (req.strings('experiment_ids') ?? []).map((id) => ids.toStored(id)),
        maxResults: searchMaxResults(req, DEFAULT_SEARCH_RUNS),
        viewType,
        orderBy: req.strings('order_by') ?? [],
        ...(filter ? { filter } : {}),
        ...(pageToken ? { pageToken } : {}),
      });
      const out: Record<string, unknown> = {};
      if (page.items.length > 0) out.runs = page.items.map((r) => runJson(r, ids.show, { outputs: true }));
      if (page.nextPageToken) out.next_page_token = page.nextPageToken;
      return out;
    },
  },
  {
    method: 'POST',
    path: 'runs/log-metric',
    fields: {
      ...RUN_ID,
      ...KEY,
      value: { kind: 'double', required: true },
      timestamp: { kind: 'int', required: true },
      step: { kind: 'int' },
      model_id: { kind: 'string' },
      dataset_name: { kind: 'string' },
      dataset_digest: { kind: 'string' },
    },
    async handle({ scope, req }) {
      const metric: Metric = {
        key: req.text('key'),
        value: req.number('value'),
        timestamp: req.number('timestamp'),
        step: req.int('step') ?? 0,
        ...modelFields((f) => req.string(f)),
      };
      await scope.logBatch(req.text('run_id'), { metrics: [metric] });
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/log-parameter',
    fields: { ...RUN_ID, ...KEY, value: { kind: 'string' } },
    async handle({ scope, req }) {
      await scope.logBatch(req.text('run_id'), { params: [{ key: req.text('key'), value: req.string('value') ?? '' }] });
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/set-tag',
    fields: { ...RUN_ID, ...KEY, value: { kind: 'string' } },
    async handle({ scope, req }) {
      await scope.logBatch(req.text('run_id'), { tags: [{ key: req.text('key'), value: req.string('value') ?? '' }] });
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/delete-tag',
    fields: { ...RUN_ID, ...KEY },
    async handle({ scope, req }) {
      await scope.deleteRunTag(req.text('run_id'), req.text('key'));
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/log-batch',
    fields: { ...RUN_ID, metrics: { kind: 'object[]' }, params: { kind: 'object[]' }, tags: { kind: 'object[]' } },
    async handle({ scope, req }) {
      await scope.logBatch(req.text('run_id'), {
        metrics: (req.objects('metrics') ?? []).map(batchMetric),
        params: entries(req.objects('params'), 'params'),
        tags: entries(req.objects('tags'), 'tags'),
      });
      return {};
    },
  },
];
