import type { z } from 'zod';
import type { CompareResponse, Direction, RunResponse } from './schemas.ts';

type RunView = z.output<typeof RunResponse>;
type Dir = z.output<typeof Direction>;

/** Metric names whose smaller values are better, when the caller does not say. */
const LOWER_IS_BETTER = /loss|error|err$|mse|mae|rmse|mape|perplexity|latency|duration|time/i;

export function guessDirection(key: string): Dir {
  return LOWER_IS_BETTER.test(key) ? 'min' : 'max';
}

/**
 * The seed's "Compare" step: each metric's latest value per run with the best run under the
 * metric's direction, and params side by side with whether they differ. Runs lacking a metric
 * (or holding NaN) never win it.
 */
export function compareRuns(
  runs: RunView[],
  metricKeys: string[] | undefined,
  directions: Record<string, Dir>,
): z.output<typeof CompareResponse> {
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
    return { key, direction, values, best_run_id: best?.id ?? null };
  });
  const params = unionKeys(runs.map((r) => r.params)).map((key) => {
    const values: Record<string, string | null> = {};
    for (const run of runs) values[run.id] = run.params[key] ?? null;
    const distinct = new Set(Object.values(values));
    return { key, values, differs: distinct.size > 1 };
  });
  return { runs, metrics, params };
}

function unionKeys(maps: Record<string, unknown>[]): string[] {
  const keys = new Set<string>();
  for (const m of maps) for (const k of Object.keys(m)) keys.add(k);
  return [...keys].sort();
}
