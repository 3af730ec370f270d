/**
 * Inspect figures (issue 6, "Measured"), through a daemon started as the extension starts it
 * (LSP over IPC, the harness), on the embedded store:
 *  - `Inspect.series` for 10 runs × 4 metrics × 100 000 steps (4 M points) at width 1000, the
 *    first request after start (nothing cached) and repeated (cached), plus zooms; bytes are
 *    the JSON of the answer, which is what crosses to the extension and on to the webview;
 *  - for comparison, MLflow's own server answering get-history-bulk-interval with max_results
 *    320 (what MLflow's UI asks per chart) for the same points: one request per metric for the
 *    10 runs. The points go into MLflow's SQLite file directly (runs made through its REST API),
 *    since logging 4 M points through MLflow's REST API alone takes minutes;
 *  - `Inspect.table` over 10 000 runs with 20 params and 10 metrics each, every page.
 *
 * Runs on its own too: `npx node test/bench/inspect-series.ts`. Knobs: BENCH_INSPECT_STEPS
 * (100 000), BENCH_INSPECT_TABLE_RUNS (10 000), BENCH_INSPECT_MLFLOW (1; 0 skips MLflow).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Experiments, Inspect, type ParamsOf } from '../../protocol/src/index.ts';
import { TenantScope } from '../../server/src/tenancy/tenant-scope.ts';
import { EmbeddedBackend } from '../../server/src/tracking/embedded/embedded-backend.ts';
import { MlflowBackend } from '../../server/src/tracking/mlflow/index.ts';
import { embeddedOptions, startLspDaemon } from '../lsp/harness.ts';
import { mlflowVersion, withMlflow } from './processes.ts';
import { CURVE_KEYS as KEYS, CURVE_RUNS as RUNS, CURVE_START as START, curvePoints, curveValue } from './curves.ts';
import { envInt, fmt, load1, pairs } from './report.ts';

const WIDTH = 1000;
const MLFLOW_SAMPLE = 320;
const REPEATS = 5;
/** MLflow answers each bulk-interval request in seconds here; fewer repeats keep the bench short. */
const MLFLOW_REPEATS = 3;

export interface Timed {
  /** From sending the request to holding the parsed answer. */
  ms: number;
  /** The daemon's own time for the request(s), from its log; the rest is JSON and IPC. */
  handlerMs?: number;
  bytes: number;
  points: number;
}

export interface InspectBenchResult {
  steps: number;
  seriesCold: Timed;
  seriesWarm: Timed;
  lttbWarm: Timed;
  zoomWarm: Timed;
  zoomNarrow: Timed;
  mlflow?: { version: string; cold: Timed; warm: Timed } | { skipped: string };
  tableRuns: number;
  table1000: Timed & { pages: number };
  table5000: Timed & { pages: number };
  daemonRssMiB: number;
  /** 1-minute load average before and after. */
  load: [number, number];
}

/** Writes the curves (and the table's runs) into a fresh data directory through the store itself. */
async function seed(dataDir: string, steps: number, tableRuns: number, progress: (line: string) => void): Promise<{ runIds: string[]; curvesExp: string; tableExp: string }> {
  const backend = EmbeddedBackend.open({ dataDir });
  const scope = new TenantScope(backend, 'acme');
  try {
    const curvesExp = await scope.createExperiment({ name: 'inspect-bench-curves' });
    const runIds: string[] = [];
    let seed = 1;
    const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 2;
    progress(`seeding ${RUNS} runs × ${KEYS.length} metrics × ${fmt(steps)} steps`);
    for (let r = 0; r < RUNS; r++) {
      const runId = (await scope.createRun({ experimentId: curvesExp, runName: `curve-${r}`, startTime: START })).info.runId;
      runIds.push(runId);
      for (const key of KEYS) {
        for (let s = 0; s < steps; s += 1000) {
          await scope.logBatch(runId, { metrics: curvePoints(key, r, s, Math.min(steps, s + 1000), noise) });
        }
      }
    }
    progress(`seeding ${fmt(tableRuns)} runs with 20 params and 10 metrics each`);
    const tableExp = await scope.createExperiment({ name: 'inspect-bench-table' });
    for (let r = 0; r < tableRuns; r++) {
      const runId = (await scope.createRun({ experimentId: tableExp, runName: `sweep-${r}`, startTime: START + r * 1000, tags: { sweep: 'grid', seed: String(r % 7) } })).info.runId;
      await scope.logBatch(runId, {
        params: Array.from({ length: 20 }, (_, i) => ({ key: `param_${i}`, value: String((r * (i + 1)) % 97) })),
        metrics: Array.from({ length: 10 }, (_, i) => ({ key: `metric_${i}`, value: Math.sin(r + i), timestamp: START + r * 1000, step: 100 })),
      });
    }
    return { runIds, curvesExp, tableExp };
  } finally {
    await backend.close();
  }
}

export async function inspectBench(progress: (line: string) => void = () => {}): Promise<InspectBenchResult> {
  const loadBefore = load1();
  const steps = envInt('BENCH_INSPECT_STEPS', 100_000);
  const tableRuns = envInt('BENCH_INSPECT_TABLE_RUNS', 10_000);
  const dataDir = await mkdtemp(join(tmpdir(), 'matih-inspect-bench-'));
  try {
    const { runIds, tableExp } = await seed(dataDir, steps, tableRuns, progress);
    const daemon = await startLspDaemon({ initializationOptions: embeddedOptions({ dataDir }) });
    try {
      /** The daemon's logged duration of the requests of `method` answered since log line `from`. */
      const handlerMs = (method: string, from: number) =>
        daemon.logs.slice(from).reduce((sum, l) => sum + Number(new RegExp(`^${method} ok (\\d+) ms`).exec(l)?.[1] ?? 0), 0);
      const series = (extra: Partial<ParamsOf<typeof Inspect.series>> = {}) =>
        timed(async () => {
          const from = daemon.logs.length;
          const view = await daemon.request(Inspect.series, { tenant: 'acme', runIds, keys: KEYS, width: WIDTH, ...extra });
          const points = view.series.reduce((n, s) => n + s.points.length, 0);
          return { points, bytes: jsonBytes(view), handlerMs: await logged(() => handlerMs(Inspect.series.method, from)) };
        });
      progress('Inspect.series, cold then warm');
      const seriesCold = await series();
      const seriesWarm = await median(() => series());
      const lttbWarm = await median(() => series({ method: 'lttb', width: MLFLOW_SAMPLE - 2 }));
      const zoomWarm = await median(() => series({ range: { min: steps * 0.4, max: steps * 0.5 - 1 } }));
      const zoomNarrow = await median(() => series({ range: { min: steps * 0.4, max: steps * 0.4 + 999 } }));

      progress('Inspect.table, every page');
      const tableAll = (maxResults: number) =>
        timed(async () => {
          const from = daemon.logs.length;
          let pages = 0;
          let rows = 0;
          let bytes = 0;
          let pageToken: string | undefined;
          do {
            const page = await daemon.request(Inspect.table, { tenant: 'acme', experimentIds: [tableExp], maxResults, ...(pageToken ? { pageToken } : {}) });
            pages++;
            rows += page.rows.length;
            bytes += jsonBytes(page);
            pageToken = page.nextPageToken;
          } while (pageToken);
          return { points: rows, bytes, pages, handlerMs: await logged(() => handlerMs(Inspect.table.method, from)) };
        });
      const table1000 = await tableAll(1000);
      const table5000 = await tableAll(5000);
      if (table1000.points !== tableRuns) throw new Error(`the table listed ${table1000.points} of ${tableRuns} runs`);
      const status = await daemon.request(Experiments.list, { tenant: 'acme' });
      if (status.items.length < 2) throw new Error('the seeded experiments are missing');
      const daemonRssMiB = peakRssMiB(daemon.child.pid!);

      const mlflow = process.env.BENCH_INSPECT_MLFLOW === '0' ? { skipped: 'BENCH_INSPECT_MLFLOW=0' } : await mlflowBulkInterval(steps, progress);
      const load: [number, number] = [loadBefore, load1()];
      return { steps, seriesCold, seriesWarm, lttbWarm, zoomWarm, zoomNarrow, mlflow, tableRuns, table1000, table5000, daemonRssMiB, load };
    } finally {
      await daemon.stop();
      await daemon.dispose();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** MLflow's server answering what its UI asks for: 320 sampled points per run and metric. */
async function mlflowBulkInterval(steps: number, progress: (line: string) => void): Promise<InspectBenchResult['mlflow']> {
  return withMlflow(async (server) => {
    const backend = new MlflowBackend({ uri: server.url });
    const runIds: string[] = [];
    try {
      const exp = await backend.createExperiment({ name: 'inspect-bench' });
      for (let r = 0; r < RUNS; r++) runIds.push((await backend.createRun({ experimentId: exp, startTime: START })).info.runId);
    } finally {
      await backend.close();
    }
    progress(`writing ${fmt(RUNS * KEYS.length * steps)} points into MLflow's SQLite file`);
    const db = new DatabaseSync(join(server.dir, 'mlflow.db'), { timeout: 30_000 });
    try {
      let seed = 1;
      const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 2;
      const insert = db.prepare('INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, 0)');
      const latest = db.prepare('INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, 0, ?)');
      db.exec('BEGIN');
      runIds.forEach((runId, r) => {
        for (const key of KEYS) {
          let v = 0;
          for (let i = 0; i < steps; i++) insert.run(key, (v = curveValue(key, r, i, noise())), START + i * 100, runId, i);
          latest.run(key, v, START + (steps - 1) * 100, steps - 1, runId);
        }
      });
      db.exec('COMMIT');
    } finally {
      db.close();
    }
    const ask = () =>
      timed(async () => {
        let points = 0;
        let bytes = 0;
        for (const key of KEYS) {
          const query = new URLSearchParams([
            ...runIds.map((id): [string, string] => ['run_ids', id]),
            ['metric_key', key],
            ['max_results', String(MLFLOW_SAMPLE)],
          ]);
          const res = await fetch(`${server.url}/api/2.0/mlflow/metrics/get-history-bulk-interval?${query}`);
          const text = await res.text();
          if (!res.ok) throw new Error(`get-history-bulk-interval answered ${res.status}: ${text.slice(0, 200)}`);
          bytes += Buffer.byteLength(text);
          points += (JSON.parse(text) as { metrics?: unknown[] }).metrics?.length ?? 0;
        }
        return { points, bytes };
      });
    progress('MLflow get-history-bulk-interval, cold then warm');
    const cold = await ask();
    const warm = await median(ask, MLFLOW_REPEATS);
    return { version: await mlflowVersion(server), cold, warm };
  });
}

/** Times `fn`, which answers what it received: points (or rows) and the bytes of its JSON. */
async function timed<T extends { points: number; bytes: number }>(fn: () => Promise<T>): Promise<T & { ms: number }> {
  const started = performance.now();
  const result = await fn();
  return { ...result, ms: performance.now() - started };
}

const jsonBytes = (body: unknown) => Buffer.byteLength(JSON.stringify(body));

/** The log line is a notification sent right after the answer; give it a moment to arrive. */
async function logged(read: () => number): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const ms = read();
    if (ms > 0) return ms;
    await new Promise((r) => setTimeout(r, 10));
  }
  return read();
}

/** The run with the median time of `repeats`. */
async function median<T extends Timed>(fn: () => Promise<T>, repeats = REPEATS): Promise<T> {
  const runs: T[] = [];
  for (let i = 0; i < repeats; i++) runs.push(await fn());
  return runs.sort((a, b) => a.ms - b.ms)[Math.floor(repeats / 2)]!;
}

function peakRssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
const line = (t: Timed, what = 'points') =>
  `${t.ms.toFixed(0)} ms${t.handlerMs !== undefined ? ` (daemon ${t.handlerMs} ms)` : ''}, ${mib(t.bytes)}, ${fmt(t.points)} ${what}`;

export function inspectLines(r: InspectBenchResult): string[] {
  const total = RUNS * KEYS.length * r.steps;
  const rows: [string, string][] = [
    [`Inspect.series minmax w${WIDTH}, first request (nothing cached)`, line(r.seriesCold)],
    [`Inspect.series minmax w${WIDTH}, repeated (median of ${REPEATS})`, line(r.seriesWarm)],
    [`Inspect.series lttb w${MLFLOW_SAMPLE - 2} (≤ ${MLFLOW_SAMPLE} points a curve), repeated`, line(r.lttbWarm)],
    [`Inspect.series zoom to 10% of the steps, w${WIDTH}`, line(r.zoomWarm)],
    [`Inspect.series zoom to 1000 steps (full resolution)`, line(r.zoomNarrow)],
  ];
  if (r.mlflow && 'version' in r.mlflow) {
    rows.push([`MLflow ${r.mlflow.version} get-history-bulk-interval ×${KEYS.length}, max_results ${MLFLOW_SAMPLE}, first`, line(r.mlflow.cold)]);
    rows.push([`MLflow get-history-bulk-interval, repeated (median of ${MLFLOW_REPEATS})`, line(r.mlflow.warm)]);
  }
  rows.push([`Inspect.table ${fmt(r.tableRuns)} runs, pages of 1000 (${r.table1000.pages} pages)`, line(r.table1000, 'rows')]);
  rows.push([`Inspect.table ${fmt(r.tableRuns)} runs, pages of 5000 (${r.table5000.pages} pages)`, line(r.table5000, 'rows')]);
  return [
    `Inspect (embedded store, LSP over IPC): ${RUNS} runs × ${KEYS.length} metrics × ${fmt(r.steps)} steps = ${fmt(total)} points; daemon peak RSS ${r.daemonRssMiB.toFixed(0)} MiB; ` +
      `1-min load ${r.load[0].toFixed(2)} → ${r.load[1].toFixed(2)}`,
    pairs(rows),
    ...(r.mlflow && 'skipped' in r.mlflow ? [`MLflow comparison skipped: ${r.mlflow.skipped}`] : []),
    'Bytes: the JSON of the answers. "first request": the daemon just started, its history cache empty (the OS file cache is warm from seeding).',
    '"daemon": the handler time the daemon logs (reading, reducing); the rest of a figure is JSON encoding and IPC to the client.',
  ];
}

if (import.meta.main) {
  const result = await inspectBench((l) => console.error(`[bench] ${l}`));
  console.log(inspectLines(result).join('\n'));
}
