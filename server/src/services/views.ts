/**
 * Domain objects as every surface shows them: the protocol's views (which follow the seed's
 * ExperimentResponse and RunResponse). Every value is decided here (hidden tags, ISO times, NaN
 * as null, lowercase statuses, a run's artifact listing), so a surface only renames fields to its
 * own wire shape and the sidebar, `curl` and the compare panel always agree.
 */
import type {
  ExperimentView,
  MetricPointView,
  PageView,
  RunStatusName,
  RunView,
} from '../../../protocol/src/index.ts';
import type { Experiment, Metric, Page, Run, RunStatus } from '../tracking/types.ts';
import { DESCRIPTION_TAG, userExperimentTags, userRunTags } from './daemon-tags.ts';

/** Relative paths of a run's artifacts (empty when the store has none for it). */
export type ArtifactLister = (artifactUri: string) => Promise<string[]>;

export function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** JSON cannot carry NaN; it becomes null (±Infinity is stored as ±max double, as in MLflow). */
export function jsonNumber(v: number): number | null {
  return Number.isFinite(v) ? v : Number.isNaN(v) ? null : v > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE;
}

/** The seed spells statuses in lowercase (`finished`); MLflow and the stores in uppercase. */
export function statusName(status: RunStatus): RunStatusName {
  return status.toLowerCase() as RunStatusName;
}

export function statusFromName(name: RunStatusName): RunStatus {
  return name.toUpperCase() as RunStatus;
}

export function experimentView(e: Experiment): ExperimentView {
  return {
    id: e.experimentId,
    name: e.name,
    description: e.tags[DESCRIPTION_TAG] ?? '',
    artifactLocation: e.artifactLocation,
    lifecycleStage: e.lifecycleStage,
    createdAt: iso(e.creationTime),
    lastUpdated: iso(e.lastUpdateTime),
    tags: userExperimentTags(e.tags),
  };
}

/**
 * Latest value per metric key. fromEntries defines own properties, so even a key named
 * `__proto__` stays a metric (an assignment would set the prototype instead).
 */
export function metricsRecord(metrics: readonly { key: string; value: number }[]): Record<string, number | null> {
  return Object.fromEntries(metrics.map((m) => [m.key, jsonNumber(m.value)]));
}

export function runView(run: Run, artifacts: string[]): RunView {
  const { info, data } = run;
  const metrics = metricsRecord(data.metrics);
  return {
    id: info.runId,
    experimentId: info.experimentId,
    name: info.runName || null,
    status: statusName(info.status),
    lifecycleStage: info.lifecycleStage,
    startTime: iso(info.startTime),
    endTime: info.endTime === null ? null : iso(info.endTime),
    durationSeconds: info.endTime === null ? null : Math.max(0, info.endTime - info.startTime) / 1000,
    tags: userRunTags(data.tags),
    params: { ...data.params },
    metrics,
    artifacts,
  };
}

/** A run with its artifact listing, the way every surface answers with a run. */
export async function presentRun(run: Run, listArtifacts: ArtifactLister): Promise<RunView> {
  return runView(run, await listArtifacts(run.info.artifactUri));
}

export function pointView(m: Metric): MetricPointView {
  return { step: m.step, value: jsonNumber(m.value), timestamp: iso(m.timestamp) };
}

/** A backend page with its items presented; the token is left out on the last page. */
export function pageView<T>(page: Page<unknown>, items: T[]): PageView<T> {
  return { items, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
}
