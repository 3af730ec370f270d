/**
 * The services' views in the seed's wire shapes (snake_case, `null` for absent values). Every
 * value is decided in services/views.ts; this only renames fields, so `curl` and the sidebar
 * always agree.
 */
import type { z } from 'zod';
import type { CompareView, ExperimentView, MetricHistoryView, PageView, RunView } from '../../../../protocol/src/index.ts';
import type { CompareResponse, ExperimentList, ExperimentResponse, MetricHistoryResponse, RunList, RunResponse } from './schemas.ts';

export function toExperimentResponse(e: ExperimentView): z.output<typeof ExperimentResponse> {
  return {
    id: e.id,
    name: e.name,
    description: e.description,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    created_at: e.createdAt,
    last_updated: e.lastUpdated,
    tags: e.tags,
  };
}

/** The seed's RunResponse has no lifecycle stage: `view=` on the list routes says which runs are shown. */
export function toRunResponse(r: RunView): z.output<typeof RunResponse> {
  return {
    id: r.id,
    experiment_id: r.experimentId,
    name: r.name,
    status: r.status,
    start_time: r.startTime,
    end_time: r.endTime,
    duration_seconds: r.durationSeconds,
    tags: r.tags,
    params: r.params,
    metrics: r.metrics,
    artifacts: r.artifacts,
  };
}

export function toExperimentList(page: PageView<ExperimentView>): z.output<typeof ExperimentList> {
  return { experiments: page.items.map(toExperimentResponse), next_page_token: page.nextPageToken ?? null };
}

export function toRunList(page: PageView<RunView>): z.output<typeof RunList> {
  return { runs: page.items.map(toRunResponse), next_page_token: page.nextPageToken ?? null };
}

export function toHistoryResponse(h: MetricHistoryView): z.output<typeof MetricHistoryResponse> {
  return { run_id: h.runId, key: h.key, points: h.points, next_page_token: h.nextPageToken ?? null };
}

export function toCompareResponse(c: CompareView): z.output<typeof CompareResponse> {
  return {
    runs: c.runs.map(toRunResponse),
    metrics: c.metrics.map((m) => ({ key: m.key, direction: m.direction, values: m.values, best_run_id: m.bestRunId })),
    params: c.params,
  };
}
