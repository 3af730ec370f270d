/**
 * Domain objects as the protocol's views. The v1 API's present functions decide every value
 * (hidden tags, ISO times, NaN as null, lowercase statuses); this only renames the fields to the
 * protocol's camelCase, so the sidebar and `curl` always agree.
 */
import type { CompareView, ExperimentView, MetricHistoryView, RunView } from '../../../protocol/src/index.ts';
import type { compareRuns } from '../api/v1/compare.ts';
import { toExperimentResponse, toHistoryPoint, toRunResponse } from '../api/v1/present.ts';
import type { Experiment, Metric, Page, Run } from '../tracking/types.ts';

export function experimentView(e: Experiment): ExperimentView {
  const r = toExperimentResponse(e);
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    artifactLocation: r.artifact_location,
    lifecycleStage: r.lifecycle_stage,
    createdAt: r.created_at,
    lastUpdated: r.last_updated,
    tags: r.tags,
  };
}

export function runView(run: Run, artifacts: string[]): RunView {
  const r = toRunResponse(run, artifacts);
  return {
    id: r.id,
    experimentId: r.experiment_id,
    name: r.name,
    status: r.status,
    lifecycleStage: run.info.lifecycleStage,
    startTime: r.start_time,
    endTime: r.end_time,
    durationSeconds: r.duration_seconds,
    tags: r.tags,
    params: r.params,
    metrics: r.metrics,
    artifacts: r.artifacts,
  };
}

export function historyView(runId: string, key: string, page: Page<Metric>): MetricHistoryView {
  return {
    runId,
    key,
    points: page.items.map(toHistoryPoint),
    ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
  };
}

/** The v1 compare answer with the runs as views (looked up by id, so their lifecycle stage is kept). */
export function compareView(answer: ReturnType<typeof compareRuns>, runs: Map<string, RunView>): CompareView {
  return {
    runs: answer.runs.map((r) => runs.get(r.id)!),
    metrics: answer.metrics.map((m) => ({ key: m.key, direction: m.direction, values: m.values, bestRunId: m.best_run_id })),
    params: answer.params,
  };
}
