import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Agent, request } from 'undici';
import { startCliDaemon } from '../support/cli.ts';

/**
 * `npm run bench`: figures, not assertions. Ingest through /api/v1 in batches of 1000 into the
 * embedded store, with the daemon in its own process so its peak RSS is its own, next to the
 * raw node:sqlite insert rate on the same machine in the same run as a ceiling.
 */

const BATCH = 1000;
const BATCHES = Number(process.env.BENCH_BATCHES ?? 600);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4);

async function main(): Promise<void> {
  const rows: [string, string][] = [];
  rows.push(['node:sqlite raw inserts, one transaction (rows/s)', fmt(rawSqliteRate(1_000_000))]);

  const dataDir = await mkdtemp(join(tmpdir(), 'matih-bench-'));
  const daemon = await startCliDaemon(['--port', '0', '--quiet'], { ...process.env, MATIH_HOME: dataDir });
  const agent = new Agent({ connections: CLIENTS, pipelining: 1 });
  try {
    const post = async (path: string, body: unknown) => {
      const res = await request(daemon.url + path, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', 'x-tenant-id': 'bench' },
        body: JSON.stringify(body),
      });
      const json = (await res.body.json()) as any;
      if (res.statusCode >= 300) throw new Error(`${path}: ${res.statusCode} ${JSON.stringify(json)}`);
      return json;
    };
    const exp = await post('/api/v1/experiments', { name: `bench-${Date.now()}` });
    const runs = await Promise.all(
      Array.from({ length: CLIENTS }, () => post('/api/v1/experiments/runs', { experiment_id: exp.id })),
    );
    // Bodies are built before the clock starts: the figure is the daemon's, not the client's JSON.
    // Steps differ per batch, so no point is an exact duplicate that the store would skip.
    const bodies = Array.from({ length: BATCHES }, (_, b) =>
      JSON.stringify({
        metrics: Array.from({ length: BATCH }, (_, i) => ({ key: `m${i % 10}`, value: Math.sin(b * BATCH + i), step: b * BATCH + i })),
      }),
    );
    const send = async (runId: string, body: string) => {
      const res = await request(`${daemon.url}/api/v1/experiments/runs/${runId}/log-batch`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', 'x-tenant-id': 'bench' },
        body,
      });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`log-batch: ${res.statusCode}`);
    };
    // Warm-up, then the measured run: each client owns a run and sends its share of batches.
    await send(runs[0].id, JSON.stringify({ metrics: [{ key: 'warm', value: 0 }] }));
    let next = 0;
    const latencies: number[] = [];
    const started = performance.now();
    await Promise.all(
      runs.map(async (run) => {
        for (;;) {
          const i = next++;
          if (i >= BATCHES) return;
          const t0 = performance.now();
          await send(run.id, bodies[i]!);
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    rows.push([`/api/v1 log-batch ingest, ${BATCHES} × ${BATCH} points, ${CLIENTS} clients (points/s)`, fmt((BATCHES * BATCH) / seconds)]);
    rows.push(['log-batch latency p50 / p99 (ms)', `${pct(latencies, 0.5)} / ${pct(latencies, 0.99)}`]);
    rows.push(['daemon peak RSS (MiB)', (await peakRssKiB(daemon.child.pid!) / 1024).toFixed(1)]);
  } finally {
    await agent.close();
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    await rm(dataDir, { recursive: true, force: true });
  }

  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('\nMATIH Experiments benchmark (embedded store)\n');
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

function rawSqliteRate(n: number): number {
  const db = new DatabaseSync(':memory:');
  db.exec('CREATE TABLE t (run TEXT, key TEXT, value REAL, ts INTEGER, step INTEGER)');
  const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?)');
  const t0 = performance.now();
  db.exec('BEGIN');
  for (let i = 0; i < n; i++) insert.run('r', 'k', i * 0.5, 1700000000000 + i, i);
  db.exec('COMMIT');
  const rate = n / ((performance.now() - t0) / 1000);
  db.close();
  return rate;
}

async function peakRssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) : NaN;
}

function pct(sorted: number[], p: number): string {
  return (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN).toFixed(1);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

await main();
