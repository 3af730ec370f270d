/**
 * The seed's "Compare" step, for every surface: each metric's latest value per run with the best
 * run under the metric's direction, and params side by side with whether they differ.
 */
import type { CompareView, RunView } from '../../../protocol/src/index.ts';
import type { Run } from '../tracking/types.ts';
import type { RunContext } from './runs.ts';
import { presentRun } from './views.ts';

export type Direction = 'min' | 'max';

/** Metric names whose smaller values are better, when the caller does not say. */
const LOWER_IS_BETTER = /loss|error|err$|mse|mae|rmse|mape|perplexity|latency|duration|time/i;

export function guessDirection(key: string): Direction {
  return LOWER_IS_BETTER.test(key) ? 'min' : 'max';
}

/**
 * Loads the runs (each once, in the order given) and compares them. `metricKeys` defaults to
 * every metric any of the runs has; `directions` overrides the guess per key.
 */
export async function compareRuns(
  ctx: RunContext,
  runIds: string[],
  metricKeys: string[] | undefined,
  directions: Record<string, Direction>,
): Promise<CompareView> {
  const runs: Run[] = [];
  // One at a time, so the id reported missing is always the first missing one in the order given.
  for (const id of new Set(runIds)) runs.push(await ctx.scope.getRun(id));
  return compareViews(await Promise.all(runs.map((r) => presentRun(r, ctx.listArtifacts))), metricKeys, directions);
}

/**
 * The comparison over presented runs, whose metrics already hold NaN as null: a run lacking a
 * metric (or holding NaN) never wins it.
 */
export function compareViews(runs: RunView[], metricKeys: string[] | undefined, directions: Record<string, Direction>): CompareView {
  const keys = metricKeys ?? unionKeys(runs.map((r) => r.metrics));
  const metrics = keys.map((key) => {
    const direction = directions[key] ?? guessDirection(key);
    const values: Record<string, number | null> = {};
    let best: { id: string; value: number } | null = null;
    for (const run of runs) {
      const value = run.metrics[key] ?? null;
      values[run.id] = value;
      if (value === null) continue;
      if (!best || (direction === 'min' ? value < best.value : value > best.value)) best = { id: run.id, value };
    }
    return { key, direction, values, bestRunId: best?.id ?? null };
  });
  const params = unionKeys(runs.map((r) => r.params)).map((key) => {
    const values: Record<string, string | null> = {};
    for (const run of runs) values[run.id] = run.params[key] ?? null;
    return { key, values, differs: new Set(Object.values(values)).size > 1 };
  });
  return { runs, metrics, params };
}

function unionKeys(maps: Record<string, unknown>[]): string[] {
  const keys = new Set<string>();
  for (const m of maps) for (const k of Object.keys(m)) keys.add(k);
  return [...keys].sort();
}
