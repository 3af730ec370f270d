/**
 * Where the inline lens gets its numbers: the "active run" for a set of keys and the recent
 * history of each key, read through the tenant scope (so another tenant's runs are never seen)
 * and cached briefly. The active run is the most recently started RUNNING run that has logged
 * any of the keys, else the most recently started run that has (finished or not).
 */
import type { Page, Experiment, Metric, MetricHistoryInput, Run, SearchExperimentsInput, SearchRunsInput } from '../../tracking/types.ts';
import { type SeriesPoint, type SeriesView, byStep, summarize } from './render.ts';

/** The part of a TenantScope this needs. */
export interface InlineScope {
  searchExperiments(input: SearchExperimentsInput): Promise<Page<Experiment>>;
  searchRuns(input: SearchRunsInput): Promise<Page<Run>>;
  getMetricHistory(runId: string, key: string, input: MetricHistoryInput): Promise<Page<Metric>>;
}

export interface ActiveRun {
  runId: string;
  runName: string;
  status: string;
  startTime: number;
}

/** How long a resolved active run is reused. */
export const ACTIVE_RUN_TTL_MS = 2000;
/** The most recent experiments and runs looked at. */
const EXPERIMENTS = 100;
const RUNS = 200;
/** History pages read for one key (25 000 points each, as MLflow's client asks). */
const PAGE = 25_000;
const MAX_PAGES = 8;

export async function findActiveRun(scope: InlineScope, keys: readonly string[]): Promise<ActiveRun | undefined> {
  if (keys.length === 0) return undefined;
  const exps = await scope.searchExperiments({ maxResults: EXPERIMENTS, orderBy: ['last_update_time DESC'] });
  if (exps.items.length === 0) return undefined;
  const runs = await scope.searchRuns({
    experimentIds: exps.items.map((e) => e.experimentId),
    orderBy: ['attributes.start_time DESC'],
    maxResults: RUNS,
  });
  const wanted = new Set(keys);
  const has = (r: Run) => r.data.metrics.some((m) => wanted.has(m.key));
  const found = runs.items.find((r) => r.info.status === 'RUNNING' && has(r)) ?? runs.items.find(has);
  return found
    ? { runId: found.info.runId, runName: found.info.runName, status: found.info.status, startTime: found.info.startTime }
    : undefined;
}

/**
 * A key's history, ordered by step and summarized: the recent points for the lens, the whole
 * history downsampled for the hover's chart. Only the summary is cached, never every point.
 */
export async function readSeries(scope: InlineScope, runId: string, key: string): Promise<SeriesView> {
  const all: SeriesPoint[] = [];
  let pageToken: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await scope.getMetricHistory(runId, key, { maxResults: PAGE, ...(pageToken ? { pageToken } : {}) });
    for (const m of page.items) all.push({ step: m.step, value: Number.isNaN(m.value) ? null : m.value, timestamp: m.timestamp });
    pageToken = page.nextPageToken;
    if (!pageToken) break;
  }
  return summarize(byStep(all));
}

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

/**
 * Caches per tenant: the active run per key set (for {@link ACTIVE_RUN_TTL_MS}), and the points
 * per (run, key) until {@link invalidateRun} says the run got new points.
 */
export class InlineCache {
  private readonly now: () => number;
  private readonly runs = new Map<string, Cached<ActiveRun | undefined>>();
  private readonly views = new Map<string, Cached<SeriesView>>();

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  activeRun(tenant: string, scope: InlineScope, keys: readonly string[]): Promise<ActiveRun | undefined> {
    const k = `${tenant}\0${[...keys].sort().join('\0')}`;
    const hit = this.runs.get(k);
    if (hit && this.now() - hit.at < ACTIVE_RUN_TTL_MS) return hit.value;
    const value = findActiveRun(scope, keys);
    this.runs.set(k, { at: this.now(), value });
    value.catch(() => this.runs.delete(k));
    return value;
  }

  series(tenant: string, scope: InlineScope, runId: string, key: string): Promise<SeriesView> {
    const k = `${tenant}\0${runId}\0${key}`;
    const hit = this.views.get(k);
    if (hit) return hit.value;
    const value = readSeries(scope, runId, key);
    this.views.set(k, { at: this.now(), value });
    value.catch(() => this.views.delete(k));
    if (this.views.size > 2000) this.views.delete(this.views.keys().next().value!);
    return value;
  }

  /** New points or a status change for a run: its series are re-read, and which run is active is decided again. */
  invalidateRun(tenant: string, runId: string): void {
    const prefix = `${tenant}\0${runId}\0`;
    for (const k of [...this.views.keys()]) if (k.startsWith(prefix)) this.views.delete(k);
    this.runs.clear();
  }

  clear(): void {
    this.runs.clear();
    this.views.clear();
  }
}
