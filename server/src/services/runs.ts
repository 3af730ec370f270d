/**
 * One tenant's runs, for every surface: create, read, list and search, rename and end, archive
 * and restore, tags, metric history; answered as RunViews with their artifact listing. Import it
 * as a namespace: `runs.restore(...)`.
 */
import type { MetricHistoryView, PageView, RunView } from '../../../protocol/src/index.ts';
import type { TrackingBackend } from '../tracking/backend.ts';
import { TrackingError, invalid } from '../tracking/errors.ts';
import type { RunStatus, StringMap } from '../tracking/types.ts';
import { refuseDaemonTag, refuseDaemonTags } from './daemon-tags.ts';
import { type ListOptions, runSearch } from './search-input.ts';
import { type ArtifactLister, iso, pageView, pointView, presentRun } from './views.ts';

/** What run operations need: the tenant's scope, and how to list a run's artifacts for its view. */
export interface RunContext {
  scope: TrackingBackend;
  listArtifacts: ArtifactLister;
}

export interface NewRun {
  experimentId: string;
  name?: string | null | undefined;
  /** Epoch milliseconds; defaults to now. */
  startTime?: number | undefined;
  tags?: StringMap | undefined;
}

export interface RunChange {
  name?: string | undefined;
  status?: RunStatus | undefined;
  /** Epoch milliseconds; a final status without one ends the run now. */
  endTime?: number | undefined;
}

/**
 * A run may not end before it started. The times travel with the error so that a surface whose
 * caller never sent an end time (it meant "now") can say so in its own words.
 */
export class EndsBeforeStart extends TrackingError {
  readonly startTime: number;
  readonly endTime: number;

  constructor(startTime: number, endTime: number) {
    super('INVALID_PARAMETER_VALUE', `end_time ${iso(endTime)} is before the run's start_time ${iso(startTime)}`, 'end_time');
    this.startTime = startTime;
    this.endTime = endTime;
  }
}

const NOT_FINAL = new Set<RunStatus | undefined>([undefined, 'RUNNING', 'SCHEDULED']);

export async function get(ctx: RunContext, runId: string): Promise<RunView> {
  return presentRun(await ctx.scope.getRun(runId), ctx.listArtifacts);
}

/** An experiment's runs; a missing or foreign experiment is not_found, never an empty list. */
export async function list(ctx: RunContext, experimentId: string, options: ListOptions): Promise<PageView<RunView>> {
  await ctx.scope.getExperiment(experimentId);
  return search(ctx, [experimentId], options);
}

export async function search(ctx: RunContext, experimentIds: string[], options: ListOptions): Promise<PageView<RunView>> {
  const page = await ctx.scope.searchRuns(runSearch(experimentIds, options));
  return pageView(page, await Promise.all(page.items.map((r) => presentRun(r, ctx.listArtifacts))));
}

export async function create(ctx: RunContext, input: NewRun): Promise<RunView> {
  const tags = input.tags ?? {};
  refuseDaemonTags(tags, 'tags');
  const run = await ctx.scope.createRun({
    experimentId: input.experimentId,
    tags,
    ...(input.name ? { runName: input.name } : {}),
    ...(input.startTime !== undefined ? { startTime: input.startTime } : {}),
  });
  return presentRun(run, ctx.listArtifacts);
}

/** Rename, or set the status; a final status (finished, failed, killed) sets the end time, now unless given. */
export async function update(ctx: RunContext, runId: string, change: RunChange): Promise<RunView> {
  const { status } = change;
  const endTime = change.endTime ?? (NOT_FINAL.has(status) ? undefined : Date.now());
  if (endTime !== undefined) {
    const { startTime } = (await ctx.scope.getRun(runId)).info;
    if (endTime < startTime) throw new EndsBeforeStart(startTime, endTime);
  }
  await ctx.scope.updateRun(runId, {
    ...(status ? { status } : {}),
    ...(endTime !== undefined ? { endTime } : {}),
    ...(change.name ? { runName: change.name } : {}),
  });
  return get(ctx, runId);
}

export async function archive(ctx: RunContext, runId: string): Promise<RunView> {
  await ctx.scope.deleteRun(runId);
  return get(ctx, runId);
}

/** Refused inside an archived experiment: MLflow would allow it, but a live run there is a state no view shows. */
export async function restore(ctx: RunContext, runId: string): Promise<RunView> {
  const run = await ctx.scope.getRun(runId);
  if ((await ctx.scope.getExperiment(run.info.experimentId)).lifecycleStage !== 'active') {
    throw invalid(`run ${runId} is in archived experiment ${run.info.experimentId}; restore the experiment first`, 'run_id');
  }
  await ctx.scope.restoreRun(runId);
  return get(ctx, runId);
}

/** Sets one tag, last write wins. */
export async function setTag(ctx: RunContext, runId: string, key: string, value: string): Promise<void> {
  refuseDaemonTag(key, 'key');
  await ctx.scope.logBatch(runId, { tags: [{ key, value }] });
}

export async function deleteTag(ctx: RunContext, runId: string, key: string): Promise<void> {
  refuseDaemonTag(key, 'key');
  await ctx.scope.deleteRunTag(runId, key);
}

/** A page of one metric's points, oldest first. */
export async function history(
  scope: TrackingBackend,
  runId: string,
  key: string,
  page: { maxResults: number; pageToken?: string | undefined },
): Promise<MetricHistoryView> {
  const points = await scope.getMetricHistory(runId, key, {
    maxResults: page.maxResults,
    ...(page.pageToken ? { pageToken: page.pageToken } : {}),
  });
  const { items, ...next } = pageView(points, points.items.map(pointView));
  return { runId, key, points: items, ...next };
}
