/**
 * `npm run bench`: figures, not assertions, all on this machine in this one run.
 *
 *  - raw node:sqlite inserts: the ceiling;
 *  - the daemon's own `/api/v1` log-batch into the embedded store;
 *  - MLflow's REST API (`/api/2.0/mlflow/runs/log-batch`), one workload sent three ways: to the
 *    daemon with its embedded store, directly to a real `mlflow server` (SQLite backend), and to
 *    a daemon started with `--backend mlflow` in front of that same server.
 *
 * Every path sends batches of 1000 points from the same number of concurrent clients, each to
 * its own run; every request must answer 200, and afterwards the first run's point count is
 * read back through get-history. MLflow's server is much slower, so the three MLflow-API paths
 * share one point count: as many batches as the MLflow server (direct, and with the daemon in
 * front) takes within a time budget (see mlflow-paths.ts for how each path is timed). Each
 * daemon and the MLflow server are started fresh, so a daemon's peak RSS is its own.
 *
 * Knobs: BENCH_BATCHES (600: /api/v1 batches, and the cap for the MLflow-API count),
 * BENCH_CLIENTS (4), BENCH_MLFLOW_SECONDS (30: time budget of one MLflow path),
 * BENCH_MLFLOW_BATCHES (a fixed MLflow-API count instead of the budget), BENCH_MLFLOW_SLICE
 * (4 × clients: batches per path per interleaved round), BENCH_EMBEDDED_REPEATS (5: timed runs
 * of the embedded MLflow-API path, median reported), BENCH_WARMUP_SECONDS (3), BENCH_ARTIFACT_MB
 * (200: the file artifacts-throughput.ts moves through each artifact store).
 * Live: BENCH_LIVE_POINTS / BENCH_LIVE_RATE (live-latency.ts), BENCH_PANEL_SECONDS /
 * BENCH_PANEL_RATE (live-panel.ts: the Live Metrics page in headless Chromium).
 * BENCH_ONLY=live,panel runs only those live sections (comma-separated) and prints their lines;
 * `compare` is the Compare Runs paint (compare-paint.ts: BENCH_COMPARE_STEPS, BENCH_COMPARE_REPEATS).
 * Runs table: BENCH_TABLE_RUNS (10 000; runs-table-load.ts, also runnable on its own).
 */

import { BATCH, type LoadResult, buildMetricArrays, quantile } from './load.ts';
import { timePaired, timeRepeated } from './mlflow-paths.ts';
import { mlflowVersion, withDaemon, withMlflow } from './processes.ts';
import { rawSqliteRate } from './raw-sqlite.ts';
import { type Row, envInt, fmt, load1, machineLine, pairs, ratio, table } from './report.ts';
import { v1Ingest } from './v1-ingest.ts';
import { liveLatency, liveLatencyLines } from './live-latency.ts';
import { livePanel, livePanelLines } from './live-panel.ts';
import { inspectBench, inspectLines } from './inspect-series.ts';
import { comparePaint, comparePaintLines } from './compare-paint.ts';
import { artifactThroughput, artifactThroughputLines } from './artifacts-throughput.ts';
import { runsTableLoad, runsTableLoadLines } from './runs-table-load.ts';

const RAW_ROWS = 1_000_000;
const BATCHES = envInt('BENCH_BATCHES', 600);
const CLIENTS = envInt('BENCH_CLIENTS', 4);
const MLFLOW_SECONDS = envInt('BENCH_MLFLOW_SECONDS', 30);
const MLFLOW_BATCHES = process.env.BENCH_MLFLOW_BATCHES ? envInt('BENCH_MLFLOW_BATCHES', 0) : undefined;
const MLFLOW_SLICE = envInt('BENCH_MLFLOW_SLICE', 4 * CLIENTS);
const EMBEDDED_REPEATS = envInt('BENCH_EMBEDDED_REPEATS', 5);
const WARMUP_SECONDS = envInt('BENCH_WARMUP_SECONDS', 3);

const progress = (line: string) => console.error(`[bench] ${line}`);

/** The live sections alone (BENCH_ONLY): the ingest paths take minutes and need the MLflow venv. */
async function liveOnly(sections: string[]): Promise<void> {
  const unknown = sections.filter((s) => s !== 'live' && s !== 'panel' && s !== 'compare');
  if (unknown.length > 0) throw new Error(`BENCH_ONLY takes live, panel and compare, got '${unknown.join(',')}'`);
  const out = [machineLine('not used'), `1-min load average ${load1().toFixed(2)} at start`, ''];
  if (sections.includes('live')) out.push(...liveLatencyLines(await liveLatency(envInt('BENCH_LIVE_POINTS', 20_000), envInt('BENCH_LIVE_RATE', 10_000), progress)), '');
  if (sections.includes('compare')) out.push(...comparePaintLines(await comparePaint(progress)), '');
  if (sections.includes('panel')) out.push(...livePanelLines(await livePanel(envInt('BENCH_PANEL_SECONDS', 20), envInt('BENCH_PANEL_RATE', 10_000), progress)), '');
  out.push(`1-min load average ${load1().toFixed(2)} at end`);
  console.log(out.join('\n'));
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  if (only !== undefined && only !== '') return liveOnly(only.split(',').map((s) => s.trim()));
  const loadBefore = load1();
  const rows: Row[] = [];

  progress(`raw node:sqlite, ${fmt(RAW_ROWS)} rows`);
  const raw = rawSqliteRate(RAW_ROWS);
  rows.push({
    path: 'node:sqlite raw inserts (rows), in-memory, 1 transaction',
    points: raw.rows,
    seconds: raw.seconds,
    rate: raw.rowsPerSecond,
    verified: fmt(raw.rows),
  });

  progress(`/api/v1 log-batch → daemon (embedded), ${BATCHES} × ${BATCH}`);
  const v1 = await withDaemon([], async (daemon) => {
    const result = await v1Ingest(daemon.url, BATCHES, CLIENTS, buildMetricArrays(BATCHES, false));
    return { result, rss: await daemon.peakRssMiB() };
  });
  rows.push(loadRow('/api/v1 log-batch → daemon (embedded store)', v1.result, v1.rss, v1.result.verifiedPoints));

  const metrics = buildMetricArrays(MLFLOW_BATCHES ?? BATCHES, true);

  // The MLflow server, direct and with the daemon in front, comes first: the count it reaches
  // within the time budget is the one the embedded path then sends.
  progress(`MLflow API → mlflow server, direct and through a daemon --backend mlflow, ~${MLFLOW_SECONDS} s each`);
  let version = 'unknown';
  const paired = await withMlflow((server) =>
    withDaemon(['--backend', 'mlflow', '--mlflow-uri', server.url], async (daemon) => {
      version = await mlflowVersion(server);
      const result = await timePaired(server.url, daemon.url, {
        clients: CLIENTS,
        metrics,
        warmupSeconds: WARMUP_SECONDS,
        slice: MLFLOW_SLICE,
        ...(MLFLOW_BATCHES === undefined ? { budgetSeconds: MLFLOW_SECONDS } : {}),
      });
      return { ...result, rss: await daemon.peakRssMiB() };
    }),
  );
  const { direct, fronted, batches: mlflowBatches } = paired;

  progress(`MLflow API → daemon (embedded), ${mlflowBatches} × ${BATCH}, ${EMBEDDED_REPEATS} times`);
  const embedded = await withDaemon([], async (daemon) => {
    const result = await timeRepeated(daemon.url, {
      clients: CLIENTS,
      metrics,
      batches: mlflowBatches,
      warmupSeconds: WARMUP_SECONDS,
      repeats: EMBEDDED_REPEATS,
    });
    return { result, rss: await daemon.peakRssMiB() };
  });

  const median = EMBEDDED_REPEATS > 1 ? `, median of ${EMBEDDED_REPEATS}` : '';
  rows.push(loadRow(`MLflow API log-batch → daemon (embedded store)${median}`, embedded.result, embedded.rss, embedded.result.verifiedPoints));
  rows.push(loadRow('MLflow API log-batch → mlflow server (direct)', direct, undefined, direct.verifiedPoints));
  rows.push(loadRow('MLflow API log-batch → daemon --backend mlflow → mlflow server', fronted, paired.rss, fronted.verifiedPoints));

  const live = await liveLatency(envInt('BENCH_LIVE_POINTS', 20_000), envInt('BENCH_LIVE_RATE', 10_000), progress);
  const panel = await livePanel(envInt('BENCH_PANEL_SECONDS', 20), envInt('BENCH_PANEL_RATE', 10_000), progress);
  const inspect = await inspectBench(progress);
  const compare = await comparePaint(progress);
  const artifacts = await artifactThroughput(envInt('BENCH_ARTIFACT_MB', 200), progress);
  const runsTable = await runsTableLoad(envInt('BENCH_TABLE_RUNS', 10_000), progress);

  const overhead = 1 - fronted.pointsPerSecond / direct.pointsPerSecond;
  const out = [
    '',
    `MATIH Experiments benchmark — log-batch ingest, ${BATCH} points per request, ${CLIENTS} concurrent clients`,
    '(MLflow API = POST /api/2.0/mlflow/runs/log-batch with {run_id, metrics}; the same bytes to every server)',
    machineLine(version),
    `1-min load average ${loadBefore.toFixed(2)} at start, ${load1().toFixed(2)} at end (above the core count, other work skews the figures)`,
    '',
    table(rows),
    '',
    pairs([
      ['MLflow API: embedded daemon ÷ MLflow server (direct)', ratio(embedded.result.pointsPerSecond, direct.pointsPerSecond)],
      [
        'MLflow API: daemon in front of MLflow ÷ MLflow server (direct)',
        `${ratio(fronted.pointsPerSecond, direct.pointsPerSecond)}  (forwarding ${overhead >= 0 ? 'costs' : 'gains'} ${Math.abs(overhead * 100).toFixed(1)}% of the direct rate)`,
      ],
    ]),
    '',
    `Counts: /api/v1 ${fmt(BATCHES * BATCH)} points; each MLflow-API path ${fmt(mlflowBatches * BATCH)} points (${mlflowBatches} batches), ` +
      (MLFLOW_BATCHES !== undefined
        ? 'set by BENCH_MLFLOW_BATCHES.'
        : paired.stoppedByBudget
          ? `what the MLflow server took within the ~${MLFLOW_SECONDS} s budget per path.`
          : `the cap (BENCH_BATCHES), reached within the ~${MLFLOW_SECONDS} s budget.`),
    `MLflow server direct vs daemon in front: one server, ${paired.rounds} interleaved rounds (A B, B A, ...) of ${MLFLOW_SLICE} batches per path; rates over each path's summed time.`,
    `Embedded MLflow-API runs (points/s): ${embedded.result.repeatRates.map(fmt).join(' / ')}.`,
    `Every MLflow-API path warms up for ${WARMUP_SECONDS} s into runs of its own first; latency is per 1000-point request.`,
    'verified: the first timed run\'s points, read back through get-history afterwards (daemon in front: through it and from the server).',
    '',
    ...liveLatencyLines(live),
    '',
    ...livePanelLines(panel),
    '',
    ...inspectLines(inspect),
    '',
    ...comparePaintLines(compare),
    '',
    ...artifactThroughputLines(artifacts),
    '',
    ...runsTableLoadLines(runsTable),
  ];
  console.log(out.join('\n'));
}

function loadRow(path: string, r: LoadResult, rssMiB: number | undefined, verified: number): Row {
  return {
    path,
    points: r.points,
    seconds: r.seconds,
    rate: r.pointsPerSecond,
    latency: `${quantile(r.latencies, 0.5)} / ${quantile(r.latencies, 0.99)}`,
    ...(rssMiB !== undefined ? { rssMiB } : {}),
    verified: fmt(verified),
  };
}

await main();
