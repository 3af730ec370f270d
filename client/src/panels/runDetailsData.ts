/**
 * What the Run details panel sends, built from the daemon's views; pure, so unit tested without
 * the editor. Values are cut to the panel's bounds here, so an outsized run never makes the page
 * refuse the whole message.
 */
import {
  RUN_DETAILS_MAX_ARTIFACTS,
  RUN_DETAILS_MAX_KEYS,
  RUN_DETAILS_MAX_POINTS,
} from '../../../protocol/src/index.ts';
import type { RunDetails, RunDetailsSeries, RunView } from '../../../protocol/src/index.ts';
import type { SeriesView } from '../../../protocol/src/inspect.ts';

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function bounded<T>(record: Record<string, T>, map: (v: T) => T): Record<string, T> {
  const out: Record<string, T> = {};
  let n = 0;
  for (const [key, value] of Object.entries(record)) {
    if (key.length === 0 || key.length > 250) continue;
    if (n++ >= RUN_DETAILS_MAX_KEYS) break;
    out[key] = map(value);
  }
  return out;
}

function epoch(iso: string | null): number | null {
  if (iso === null) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) && t > 0 ? t : null;
}

const text = (v: string | undefined, max: number): string | null => (v === undefined || v === '' ? null : cut(v, max));

/** A daemon run view as the panel's run. */
export function toRunDetails(tenant: string, run: RunView, experimentName: string | null): RunDetails {
  return {
    tenant,
    id: run.id,
    experimentId: run.experimentId,
    experimentName: experimentName === null ? null : cut(experimentName, 1000),
    name: run.name === null ? null : cut(run.name, 1000),
    status: run.status,
    archived: run.lifecycleStage === 'deleted',
    startTime: epoch(run.startTime) ?? 0,
    endTime: epoch(run.endTime),
    user: text(run.tags['mlflow.user'], 1000),
    source: text(run.tags['mlflow.source.name'], 10_000),
    sourceType: text(run.tags['mlflow.source.type'], 100),
    gitCommit: text(run.tags['mlflow.source.git.commit'], 100),
    params: bounded(run.params, (v) => cut(v, 10_000)),
    metrics: bounded(run.metrics, (v) => (v === null || !Number.isFinite(v) ? null : v)),
    tags: bounded(run.tags, (v) => cut(v, 10_000)),
    artifacts: { paths: run.artifacts.slice(0, RUN_DETAILS_MAX_ARTIFACTS).map((p) => cut(p, 4000)), count: run.artifacts.length },
  };
}

const finite = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : v);

/** One daemon curve as the panel's small chart. */
export function toDetailsSeries(view: SeriesView): RunDetailsSeries {
  return {
    key: view.key,
    points: view.points.slice(0, RUN_DETAILS_MAX_POINTS).map(([step, value]) => [step, finite(value)]),
    totalPoints: view.totalPoints,
    reduced: view.reduced,
    min: finite(view.min),
    max: finite(view.max),
    last: view.last === null ? null : [view.last[0], finite(view.last[1])],
  };
}
