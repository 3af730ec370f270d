/**
 * The load shape every ingest path shares: pre-serialized batches of metric points, sent by a
 * fixed number of concurrent senders that each own one run and take the next batch from a shared
 * queue, with per-request latency and a count of what each sender's run received.
 */

/** Points per log-batch request: MLflow's per-request metric limit. */
export const BATCH = 1000;
/** Distinct metric keys in a batch (`m0`..`m9`), each getting BATCH / KEYS points per batch. */
export const KEYS = 10;

export const metricKeys = (): string[] => Array.from({ length: KEYS }, (_, k) => `m${k}`);

/**
 * The `metrics` arrays of `count` batches, serialized before any clock starts so the figures are
 * the server's, not the client's JSON. Steps differ across all points, so no point is an exact
 * duplicate that a store would skip or reject. With `timestamps` (MLflow requires one) each
 * point gets a distinct millisecond timestamp.
 */
export function buildMetricArrays(count: number, timestamps: boolean): string[] {
  const base = Date.now();
  return Array.from({ length: count }, (_, b) =>
    JSON.stringify(
      Array.from({ length: BATCH }, (_, i) => {
        const step = b * BATCH + i;
        const key = `m${i % KEYS}`;
        const value = Math.sin(step);
        return timestamps ? { key, value, timestamp: base + step, step } : { key, value, step };
      }),
    ),
  );
}

/** Sends batch number `batch` for sender number `sender`; must throw unless the server took it. */
export type SendBatch = (sender: number, batch: number) => Promise<void>;

export interface LoadResult {
  batches: number;
  points: number;
  seconds: number;
  pointsPerSecond: number;
  /** Per-request latency in ms, sorted ascending. */
  latencies: number[];
  /** How many batches each sender (so each sender's run) got. */
  perSender: number[];
}

/** Sends `batches` batches with `senders` concurrent senders and times the whole. */
export async function drive(batches: number, senders: number, send: SendBatch): Promise<LoadResult> {
  let next = 0;
  const latencies: number[] = [];
  const perSender = new Array<number>(senders).fill(0);
  const started = performance.now();
  await Promise.all(
    perSender.map(async (_, s) => {
      for (;;) {
        const i = next++;
        if (i >= batches) return;
        const t0 = performance.now();
        await send(s, i);
        latencies.push(performance.now() - t0);
        perSender[s]!++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { batches, points: batches * BATCH, seconds, pointsPerSecond: (batches * BATCH) / seconds, latencies, perSender };
}

/** One result from timed parts of the same workload: points and seconds add up, latencies pool. */
export function mergeResults(parts: LoadResult[]): LoadResult {
  const batches = parts.reduce((n, p) => n + p.batches, 0);
  const seconds = parts.reduce((n, p) => n + p.seconds, 0);
  const latencies = parts.flatMap((p) => p.latencies).sort((a, b) => a - b);
  const perSender = (parts[0]?.perSender ?? []).map((_, s) => parts.reduce((n, p) => n + (p.perSender[s] ?? 0), 0));
  return { batches, points: batches * BATCH, seconds, pointsPerSecond: (batches * BATCH) / seconds, latencies, perSender };
}

/**
 * Warm-up: sends batches with `senders` concurrent senders until `seconds` have passed or
 * `maxBatches` are sent, and returns the batches per second it reached (a first estimate of the
 * sustained rate, used to size the timed run).
 */
export async function driveFor(seconds: number, senders: number, maxBatches: number, send: SendBatch): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: senders }, async (_, s) => {
      while (performance.now() < deadline) {
        const i = next++;
        if (i >= maxBatches) return;
        await send(s, i);
      }
    }),
  );
  return Math.min(next, maxBatches) / ((performance.now() - started) / 1000);
}

/** The p-quantile (0..1) of an ascending list, to one decimal. */
export function quantile(sorted: number[], p: number): string {
  return (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN).toFixed(1);
}
