import type { z } from 'zod';
import { TENANT_TAG } from '../../../../protocol/src/index.ts';
import type { Experiment, Metric, Run, RunStatus, StringMap } from '../../tracking/types.ts';
import type { ExperimentResponse, HistoryPoint, RunResponse, RunStatusName } from './schemas.ts';

/** MLflow keeps an experiment's (and run's) description in this tag. */
export const DESCRIPTION_TAG = 'mlflow.note.content';

/** Tags the daemon manages; the seed's `tags` maps show only the user's own. */
const HIDDEN_EXPERIMENT_TAGS = new Set([TENANT_TAG, DESCRIPTION_TAG]);
const HIDDEN_RUN_TAGS = new Set([TENANT_TAG]);

export function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

export function toExperimentResponse(e: Experiment): z.output<typeof ExperimentResponse> {
  return {
    id: e.experimentId,
    name: e.name,
    description: e.tags[DESCRIPTION_TAG] ?? '',
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    created_at: iso(e.creationTime),
    last_updated: iso(e.lastUpdateTime),
    tags: without(e.tags, HIDDEN_EXPERIMENT_TAGS),
  };
}

export function toRunResponse(run: Run, artifacts: string[]): z.output<typeof RunResponse> {
  const { info, data } = run;
  const metrics: Record<string, number | null> = {};
  for (const m of data.metrics) metrics[m.key] = jsonNumber(m.value);
  return {
    id: info.runId,
    experiment_id: info.experimentId,
    name: info.runName || null,
    status: statusName(info.status),
    start_time: iso(info.startTime),
    end_time: info.endTime === null ? null : iso(info.endTime),
    duration_seconds: info.endTime === null ? null : Math.max(0, info.endTime - info.startTime) / 1000,
    tags: without(data.tags, HIDDEN_RUN_TAGS),
    params: { ...data.params },
    metrics,
    artifacts,
  };
}

export function toHistoryPoint(m: Metric): z.output<typeof HistoryPoint> {
  return { step: m.step, value: jsonNumber(m.value), timestamp: iso(m.timestamp) };
}

export function statusName(status: RunStatus): z.output<typeof RunStatusName> {
  return status.toLowerCase() as z.output<typeof RunStatusName>;
}

export function statusFromName(name: z.output<typeof RunStatusName>): RunStatus {
  return name.toUpperCase() as RunStatus;
}

/** JSON cannot carry NaN; it becomes null (±Infinity is stored as ±max double, as in MLflow). */
export function jsonNumber(v: number): number | null {
  return Number.isFinite(v) ? v : Number.isNaN(v) ? null : v > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE;
}

function without(tags: StringMap, hidden: Set<string>): StringMap {
  const out: StringMap = {};
  for (const [k, v] of Object.entries(tags)) if (!hidden.has(k)) out[k] = v;
  return out;
}
