/**
 * Splitting a log-batch of any size into requests MLflow accepts (at most 1000 metrics, 100
 * params, 100 tags and 1000 entities each), the way MLflow's Python client does it
 * (`TrackingServiceClient.log_batch`): params and tags go first, paired up, with metrics filling
 * the room left; the remaining metrics follow in full chunks. Every kind keeps its order, nothing
 * is dropped, and a batch that already fits stays one request. Also what a split batch checks
 * before its first request, and each request's body.
 */

import { TrackingError, invalid } from '../errors.ts';
import type { LogBatchInput, Metric, Run } from '../types.ts';
import {
  MAX_ENTITIES_PER_BATCH,
  MAX_METRICS_PER_BATCH,
  MAX_PARAMS_TAGS_PER_BATCH,
  validateMetric,
  validateParam,
  validateRunTag,
} from '../validation.ts';
import { encodeMetric } from './wire.ts';

type KeyValue = { key: string; value: string };

/** One request's worth: each list within MLflow's limits. */
export interface BatchChunk {
  metrics: Metric[];
  params: KeyValue[];
  tags: KeyValue[];
}

/**
 * Checks every entry of a batch of any size with the shared rules (`validateLogBatch` minus its
 * count limits, which splitting lifts), so nothing is sent unless all of it is valid. Field paths
 * index the caller's lists. Returns the params with exact repeats removed: the interface tolerates
 * them but MLflow refuses a request that names one param key twice.
 */
export function validateSplittableBatch(batch: LogBatchInput): KeyValue[] {
  (batch.metrics ?? []).forEach((m, i) => validateMetric(m, `metrics[${i}]`));
  const seen = new Map<string, string>();
  const params: KeyValue[] = [];
  (batch.params ?? []).forEach((p, i) => {
    validateParam(p.key, p.value, `params[${i}]`);
    const earlier = seen.get(p.key);
    if (earlier === undefined) {
      seen.set(p.key, p.value);
      params.push({ key: p.key, value: p.value });
    } else if (earlier !== p.value) {
      throw invalid(
        `duplicate param key '${p.key}' with different values in one batch; send one value per key`,
        `params[${i}].key`,
      );
    }
  });
  (batch.tags ?? []).forEach((t, i) => validateRunTag(t.key, t.value, `tags[${i}]`));
  return params;
}

function chunk<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** The requests that together carry `batch`, in the order they must be sent. */
export function splitLogBatch(batch: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] }): BatchChunk[] {
  const metrics = batch.metrics ?? [];
  const paramChunks = chunk(batch.params ?? [], MAX_PARAMS_TAGS_PER_BATCH);
  const tagChunks = chunk(batch.tags ?? [], MAX_PARAMS_TAGS_PER_BATCH);
  const chunks: BatchChunk[] = [];
  let next = 0;
  for (let i = 0; i < Math.max(paramChunks.length, tagChunks.length); i++) {
    const params = paramChunks[i] ?? [];
    const tags = tagChunks[i] ?? [];
    const room = Math.min(MAX_ENTITIES_PER_BATCH - params.length - tags.length, MAX_METRICS_PER_BATCH);
    chunks.push({ metrics: metrics.slice(next, next + room), params, tags });
    next += room;
  }
  for (const rest of chunk(metrics.slice(next), MAX_METRICS_PER_BATCH)) {
    chunks.push({ metrics: rest, params: [], tags: [] });
  }
  return chunks;
}

/**
 * What a batch split into several requests must check before the first one: MLflow reports a run
 * that is not active, or a param logged before with another value, only when the request carrying
 * it arrives, and by then the earlier chunks are stored. `run` is the run as read just before.
 */
export function checkSplitBatchRun(run: Run, params: KeyValue[]): void {
  const runId = run.info.runId;
  if (run.info.lifecycleStage !== 'active') {
    throw new TrackingError(
      'INVALID_PARAMETER_VALUE',
      `The run ${runId} must be in the 'active' state. Current state is ${run.info.lifecycleStage}.`,
    );
  }
  params.forEach((p, i) => {
    const stored = Object.hasOwn(run.data.params, p.key) ? run.data.params[p.key] : undefined;
    if (stored !== undefined && stored !== p.value) {
      throw new TrackingError(
        'INVALID_PARAMETER_VALUE',
        `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${stored}' ` +
          `for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
        `params[${i}].value`,
      );
    }
  });
}

/** One chunk as the body of `runs/log-batch`; metrics keep their MLflow 3 model and data set fields. */
export function encodeChunk(runId: string, chunk: BatchChunk): unknown {
  return {
    run_id: runId,
    metrics: chunk.metrics.map(encodeMetric),
    params: chunk.params,
    tags: chunk.tags,
  };
}
