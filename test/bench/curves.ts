/**
 * The training curves the inspect benches seed (Inspect.series, Compare Runs paint): ten runs of
 * four metrics with a different noisy decay per run, one point every 100 ms from a fixed start,
 * so both benches draw and reduce the same kind of data.
 */
import type { Metric } from '../../server/src/tracking/types.ts';

export const CURVE_RUNS = 10;
export const CURVE_KEYS = ['loss', 'val_loss', 'accuracy', 'lr'];
export const CURVE_START = 1_760_000_000_000;

/** The value of a curve at a step: a noisy decay per key, different per run; `noise` is in [-1, 1]. */
export function curveValue(key: string, run: number, step: number, noise: number): number {
  const t = step / 10_000;
  switch (key) {
    case 'loss':
      return 2 * Math.exp(-t / (3 + run)) + 0.05 * noise;
    case 'val_loss':
      return 2.1 * Math.exp(-t / (3 + run)) + 0.1 * noise + 0.02 * t;
    case 'accuracy':
      return 1 - Math.exp(-t / (2 + run)) * 0.9 + 0.01 * noise;
    default:
      return 1e-3 * Math.cos(t / 4) ** 2;
  }
}

/** The points of steps `from` to `to` (exclusive) of one run's metric; `noise` is asked once per step, in order. */
export function curvePoints(key: string, run: number, from: number, to: number, noise: (step: number) => number): Metric[] {
  const points: Metric[] = [];
  for (let step = from; step < to; step++) points.push({ key, value: curveValue(key, run, step, noise(step)), timestamp: CURVE_START + step * 100, step });
  return points;
}
