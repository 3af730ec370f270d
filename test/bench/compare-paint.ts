/**
 * Compare Runs paint (issue 6, "Measured"): from the compare request to the first painted chart
 * in headless Chromium, for 10 runs × 4 metrics × 100 000 steps, and the bytes that cross to the
 * webview on the way.
 *
 * The daemon runs as the extension runs it (LSP over IPC, the harness) on its embedded store,
 * seeded through its own HTTP API (MLflow log-batch, 1000 points a request). The page is the
 * real bundle (dist/webviews/compare.js) under its CSP (test/webviews/compare-harness.ts); this
 * process plays the extension with the extension's own code path (client/src/panels/compareData.ts:
 * `Runs.compare` → `compare` message, the page's `series` request → `Inspect.series` → `series`
 * message). The clock starts when `Runs.compare` is sent; the page marks `matih-compare-first-chart`
 * (and `matih-compare-chart` per chart) in the frame after the curves reached the canvas; both
 * clocks are the machine's wall clock (`performance.timeOrigin` + `performance.now()`).
 *
 * Each repeat is a fresh page; the first one after seeding is "cold" (the daemon has read nothing
 * yet), the rest are "warm" (median reported). Bytes are the UTF-8 JSON of what was posted to the
 * page, which is what `webview.postMessage` serialises.
 *
 * Runs on its own too: `npx node test/bench/compare-paint.ts`. Knobs: BENCH_COMPARE_STEPS
 * (100 000), BENCH_COMPARE_REPEATS (5).
 */
import { readFile } from 'node:fs/promises';
import { Experiments, Runs } from '../../protocol/src/index.ts';
import { Inspect } from '../../protocol/src/inspect.ts';
import { toCompareMessage, toSeriesMessage } from '../../client/src/panels/compareData.ts';
import { embeddedOptions, startLspDaemon } from '../lsp/harness.ts';
import type { LspDaemon } from '../lsp/harness.ts';
import { harnessUnavailable, startHarness } from '../webviews/compare-harness.ts';
import { CURVE_KEYS as KEYS, CURVE_RUNS as RUNS, curvePoints } from './curves.ts';
import { envInt, fmt, pairs } from './report.ts';

const BATCH = 1000;
const CONCURRENCY = 4;
/** What MLflow's UI asks per chart (get-history-bulk-interval, max_results 320). */
const MLFLOW_POINTS_PER_CURVE = 320;

export interface PaintRun {
  /** Compare request sent → first chart painted. */
  firstMs: number;
  /** Compare request sent → every chart painted. */
  allMs: number;
  /** UTF-8 JSON bytes posted to the page. */
  bytes: number;
  /** Points posted to the page. */
  points: number;
  /** Plot widths the page asked for. */
  widths: number[];
}

export interface ComparePaintResult {
  steps: number;
  seedSeconds: number;
  cold: PaintRun;
  warm: PaintRun;
  repeats: number;
}

/** Logs every point through the daemon's MLflow-compatible HTTP API, a few requests at a time. */
async function seed(daemon: LspDaemon, steps: number, progress: (line: string) => void): Promise<string[]> {
  const status = await daemon.statusWhere((s) => s.httpUrl !== undefined);
  const token = JSON.parse(await readFile(status.discoveryFile!, 'utf8')).token as string;
  const endpoint = `${status.httpUrl}/tenants/acme/api/2.0/mlflow/runs/log-batch`;
  const experiment = await daemon.request(Experiments.create, { tenant: 'acme', name: `compare-paint-${Date.now()}` });
  const runIds: string[] = [];
  for (let r = 0; r < RUNS; r++) runIds.push((await daemon.request(Runs.create, { tenant: 'acme', experimentId: experiment.id, name: `sweep-lr-${r}` })).id);
  const jobs: { runId: string; r: number; key: string; from: number }[] = [];
  for (let r = 0; r < RUNS; r++) for (const key of KEYS) for (let from = 0; from < steps; from += BATCH) jobs.push({ runId: runIds[r]!, r, key, from });
  progress(`seeding ${RUNS} runs × ${KEYS.length} metrics × ${fmt(steps)} steps through HTTP log-batch (${fmt(jobs.length)} requests)`);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const { runId, r, key, from } = jobs[next++]!;
      // Deterministic noise from the step, so every worker's batches are the same whatever the order.
      const metrics = curvePoints(key, r, from, Math.min(steps, from + BATCH), (s) => Math.sin(s * 12.9898 + r * 78.233) * 0.4);
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ run_id: runId, metrics }),
      });
      if (!res.ok) throw new Error(`log-batch answered ${res.status}: ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  // Runs carry params too, so the params table has something to compare.
  for (let r = 0; r < RUNS; r++) {
    const params = [
      { key: 'lr', value: String(10 ** -((r % 4) + 1)) },
      { key: 'seed', value: '42' },
      { key: 'batch_size', value: String(32 << (r % 3)) },
    ];
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ run_id: runIds[r], params }),
    });
    if (!res.ok) throw new Error(`log-batch (params) answered ${res.status}: ${await res.text()}`);
  }
  return runIds;
}

async function paintOnce(daemon: LspDaemon, harness: Awaited<ReturnType<typeof startHarness>>, runIds: string[]): Promise<PaintRun> {
  let bytes = 0;
  let points = 0;
  const widths: number[] = [];
  const post = (cp: { send(m: unknown): Promise<void> }, message: unknown) => {
    bytes += Buffer.byteLength(JSON.stringify(message));
    return cp.send(message);
  };
  const failures: string[] = [];
  const cp = await harness.open({
    width: 1200,
    height: 1000,
    onMessage: (message, page) => {
      if (message.type !== 'series') return;
      widths.push(message.width);
      void daemon
        .request(Inspect.series, { tenant: 'acme', runIds, keys: message.keys, xAxis: message.xAxis, width: message.width, method: 'minmax' })
        .then((view) => {
          const answer = toSeriesMessage(message.requestId, view, undefined);
          points += answer.curves.reduce((n, c) => n + c.points.length, 0);
          return post(page, answer);
        })
        .catch((error: unknown) => failures.push(String(error)));
    },
  });
  try {
    await cp.next('ready');
    const t0 = performance.timeOrigin + performance.now();
    const view = await daemon.request(Runs.compare, { tenant: 'acme', runIds });
    await post(cp, toCompareMessage('acme', view, runIds, {}));
    await cp.page.waitForFunction((n) => performance.getEntriesByName('matih-compare-chart').length >= n, KEYS.length, { timeout: 120_000, polling: 50 });
    if (failures.length > 0) throw new Error(failures.join('; '));
    if (cp.problems.length > 0) throw new Error(`the page reported: ${cp.problems.join('; ')}`);
    const marks = await cp.page.evaluate(() => ({
      first: performance.timeOrigin + performance.getEntriesByName('matih-compare-first-chart')[0]!.startTime,
      all: performance.timeOrigin + Math.max(...performance.getEntriesByName('matih-compare-chart').map((e) => e.startTime)),
    }));
    return { firstMs: marks.first - t0, allMs: marks.all - t0, bytes, points, widths };
  } finally {
    await cp.page.close();
  }
}

export async function comparePaint(progress: (line: string) => void = () => {}): Promise<ComparePaintResult | { skipped: string }> {
  const unavailable = harnessUnavailable();
  if (unavailable !== undefined) return { skipped: unavailable };
  const steps = envInt('BENCH_COMPARE_STEPS', 100_000);
  const repeats = envInt('BENCH_COMPARE_REPEATS', 5);
  const daemon = await startLspDaemon({ initializationOptions: embeddedOptions() });
  const harness = await startHarness();
  try {
    const seedStart = performance.now();
    const runIds = await seed(daemon, steps, progress);
    const seedSeconds = (performance.now() - seedStart) / 1000;
    progress(`Compare Runs paint in headless Chromium, 1 cold + ${repeats} warm`);
    const cold = await paintOnce(daemon, harness, runIds);
    const warmRuns: PaintRun[] = [];
    for (let i = 0; i < repeats; i++) warmRuns.push(await paintOnce(daemon, harness, runIds));
    warmRuns.sort((a, b) => a.firstMs - b.firstMs);
    return { steps, seedSeconds, cold, warm: warmRuns[Math.floor(warmRuns.length / 2)]!, repeats };
  } finally {
    await harness.close();
    await daemon.stop();
    await daemon.dispose();
  }
}

export function comparePaintLines(result: ComparePaintResult | { skipped: string }): string[] {
  if ('skipped' in result) return [`Compare Runs paint: skipped (${result.skipped}).`];
  const curves = RUNS * KEYS.length;
  const raw = curves * result.steps;
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;
  const line = (r: PaintRun) => `first chart ${r.firstMs.toFixed(0)} ms, all ${KEYS.length} charts ${r.allMs.toFixed(0)} ms; ${mib(r.bytes)} (${fmt(r.bytes)} bytes), ${fmt(r.points)} points to the webview`;
  return [
    `Compare Runs paint — ${RUNS} runs × ${KEYS.length} metrics × ${fmt(result.steps)} steps (${fmt(raw)} points stored), headless Chromium, real bundle, daemon over LSP (IPC):`,
    pairs([
      ['cold (first compare after seeding)', line(result.cold)],
      [`warm (median of ${result.repeats})`, line(result.warm)],
      ['chart plot widths asked (px)', [...new Set(result.warm.widths)].join(', ')],
      ['points per curve sent (warm)', `${fmt(result.warm.points / curves)} on average (min/max per pixel bucket, up to 4 per pixel); MLflow's UI asks for ${MLFLOW_POINTS_PER_CURVE} per curve (${fmt(MLFLOW_POINTS_PER_CURVE * curves)} for these ${curves} curves)`],
      ['raw histories for comparison', `${fmt(raw)} points, about ${mib((raw * result.warm.bytes) / Math.max(1, result.warm.points))} at the same bytes per point`],
      ['seeding through HTTP log-batch', `${result.seedSeconds.toFixed(1)} s (${fmt(raw / result.seedSeconds)} points/s)`],
    ]),
  ];
}

if (import.meta.main) {
  const result = await comparePaint((line) => console.error(`[bench] ${line}`));
  console.log(comparePaintLines(result).join('\n'));
}
