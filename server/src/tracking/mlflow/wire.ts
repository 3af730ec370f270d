/**
 * MLflow's REST JSON at the boundary: zod schemas for what the server sends back, and the
 * encoding of what we send. MLflow emits int64 as numbers but protobuf-JSON servers (and the Go
 * port) may quote them, and non-finite doubles travel as the strings "NaN", "Infinity" and
 * "-Infinity"; both are accepted here so the rest of the backend only sees plain numbers.
 * (±Infinity comes back as ±DBL_MAX, which is how MLflow's SQL store and the embedded store keep
 * it; it is passed through unchanged so both backends answer alike.)
 */

import { z } from 'zod';
import type { Experiment, Metric, Run, RunInfo, StringMap } from '../types.ts';
import { RUN_STATUSES } from '../types.ts';

const int64 = z
  .union([z.number().int(), z.string().regex(/^-?\d+$/)])
  .transform((v) => (typeof v === 'number' ? v : Number(v)))
  .refine((v) => Number.isSafeInteger(v), 'integer outside the safe range');

const double = z
  .union([
    z.number(),
    z.enum(['NaN', 'Infinity', '-Infinity']),
    z.string().regex(/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/),
  ])
  .transform((v) => (typeof v === 'number' ? v : Number(v)));

const lifecycleStage = z.enum(['active', 'deleted']);

const tag = z.object({ key: z.string(), value: z.string().optional() });

const tags = z.array(tag).optional();

function toMap(list: z.output<typeof tags>): StringMap {
  // fromEntries defines own properties, so a key named `__proto__` stays data; later keys win.
  return Object.fromEntries((list ?? []).map((t) => [t.key, t.value ?? '']));
}

export const experimentSchema = z.object({
  experiment_id: z.string(),
  name: z.string(),
  artifact_location: z.string().optional(),
  lifecycle_stage: lifecycleStage,
  creation_time: int64.optional(),
  last_update_time: int64.optional(),
  tags,
});

export const metricSchema = z.object({
  key: z.string(),
  value: double.optional(),
  timestamp: int64.optional(),
  step: int64.optional(),
});

export const runInfoSchema = z.object({
  run_id: z.string().optional(),
  run_uuid: z.string().optional(),
  run_name: z.string().optional(),
  experiment_id: z.string(),
  user_id: z.string().optional(),
  status: z.enum(RUN_STATUSES as [string, ...string[]]).optional(),
  start_time: int64.optional(),
  end_time: int64.optional(),
  artifact_uri: z.string().optional(),
  lifecycle_stage: lifecycleStage,
});

export const runSchema = z.object({
  info: runInfoSchema,
  data: z
    .object({
      metrics: z.array(metricSchema).optional(),
      params: tags,
      tags,
    })
    .optional(),
});

/** `{}` — the answer of every write endpoint; extra fields are ignored. */
export const emptySchema = z.object({});

export const createExperimentResponse = z.object({ experiment_id: z.string() });
export const getExperimentResponse = z.object({ experiment: experimentSchema });
export const searchExperimentsResponse = z.object({
  experiments: z.array(experimentSchema).optional(),
  next_page_token: z.string().optional(),
});
export const runResponse = z.object({ run: runSchema });
export const updateRunResponse = z.object({ run_info: runInfoSchema });
export const searchRunsResponse = z.object({
  runs: z.array(runSchema).optional(),
  next_page_token: z.string().optional(),
});
export const metricHistoryResponse = z.object({
  metrics: z.array(metricSchema).optional(),
  next_page_token: z.string().optional(),
});

export function toExperiment(e: z.output<typeof experimentSchema>): Experiment {
  return {
    experimentId: e.experiment_id,
    name: e.name,
    artifactLocation: e.artifact_location ?? '',
    lifecycleStage: e.lifecycle_stage,
    creationTime: e.creation_time ?? 0,
    lastUpdateTime: e.last_update_time ?? e.creation_time ?? 0,
    tags: toMap(e.tags),
  };
}

export function toMetric(m: z.output<typeof metricSchema>): Metric {
  // Proto defaults are left out of the JSON, so a missing field is its zero value.
  return { key: m.key, value: m.value ?? 0, timestamp: m.timestamp ?? 0, step: m.step ?? 0 };
}

export function toRunInfo(i: z.output<typeof runInfoSchema>): RunInfo {
  return {
    runId: i.run_id ?? i.run_uuid ?? '',
    experimentId: i.experiment_id,
    runName: i.run_name ?? '',
    userId: i.user_id ?? '',
    status: (i.status ?? 'RUNNING') as RunInfo['status'],
    startTime: i.start_time ?? 0,
    endTime: i.end_time ?? null,
    artifactUri: i.artifact_uri ?? '',
    lifecycleStage: i.lifecycle_stage,
  };
}

export function toRun(r: z.output<typeof runSchema>): Run {
  return {
    info: toRunInfo(r.info),
    data: {
      // Sorted by key, as the embedded store lists them, so both backends answer alike.
      metrics: (r.data?.metrics ?? []).map(toMetric).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
      params: toMap(r.data?.params),
      tags: toMap(r.data?.tags),
    },
  };
}

/** A double as protobuf JSON takes it: JSON.stringify would turn NaN and ±Infinity into null. */
export function encodeDouble(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

/** A tag or param list in MLflow's `[{key, value}]` form. */
export function encodeTags(map: StringMap | undefined): { key: string; value: string }[] {
  return Object.entries(map ?? {}).map(([key, value]) => ({ key, value }));
}

/** Drops a next_page_token that is empty: MLflow uses both "absent" and "" for the last page. */
export function pageToken(token: string | undefined): { nextPageToken?: string } {
  return token ? { nextPageToken: token } : {};
}
