/**
 * System metrics of a script's process tree: the parsing, and `Processes.track` against an
 * embedded daemon over LSP with a real child tree (a Node parent that starts a grandchild spinning
 * the CPU), logged under MLflow's `system/...` names with step = sample index, stopping by itself
 * when the process exits.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { platform } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Experiments, Processes, Runs, SystemMetricNames } from '../../protocol/src/index.ts';
import { parseNvidiaSmi, parseStat, readTree } from '../../server/src/live/system-metrics.ts';
import { embeddedOptions, type LspDaemon, startLspDaemon } from '../lsp/harness.ts';

const linux = platform() === 'linux';

async function waitFor<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error('timed out');
    await sleep(50);
  }
}

/** A Node process whose child spins the CPU; the parent itself idles. */
function spinningTree(): ChildProcess {
  const grandchild = 'const end = Date.now() + 60000; while (Date.now() < end) {}';
  const parent = `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'ignore' });
process.on('SIGTERM', () => { c.kill('SIGKILL'); process.exit(3); });
setInterval(() => {}, 1000);`;
  return spawn(process.execPath, ['-e', parent], { stdio: 'ignore' });
}

describe('parsing', () => {
  test('/proc/<pid>/stat with spaces and parentheses in the name', () => {
    const stat = '1234 (my (odd) name) S 1200 1234 1234 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 3 0 555 123456789 2048 18446744073709551615';
    assert.deepEqual(parseStat(stat), { pid: 1234, ppid: 1200, state: 'S', cpuTicks: 300, rssPages: 2048 });
    assert.equal(parseStat('garbage'), undefined);
  });

  test('nvidia-smi csv, one GPU a line', () => {
    assert.deepEqual(parseNvidiaSmi('37, 1024\n0, 5\n'), [
      { utilization: 37, memoryMb: 1024 },
      { utilization: 0, memoryMb: 5 },
    ]);
    assert.deepEqual(parseNvidiaSmi(''), []);
  });

  test('readTree sums a real tree and sees the root exit', { skip: !linux }, async () => {
    const child = spinningTree();
    try {
      const tree = await waitFor(async () => {
        const t = await readTree(child.pid!);
        return t.pids.length >= 2 && t;
      });
      assert.equal(tree.exited, false);
      assert.equal(tree.pids[0], child.pid);
      assert.ok(tree.rssBytes > 10 * 1024 * 1024, `rss ${tree.rssBytes}`);
    } finally {
      child.kill('SIGTERM');
    }
    await new Promise((r) => child.once('exit', r));
    assert.equal((await readTree(child.pid!)).exited, true);
  });
});

describe('Processes over LSP', { skip: !linux }, () => {
  let lsp: LspDaemon;
  before(async () => {
    lsp = await startLspDaemon({ initializationOptions: embeddedOptions({ tenants: ['acme', 'globex'] }) });
    await lsp.statusWhere((s) => s.httpUrl !== undefined);
  });
  after(() => lsp.dispose());

  const newRun = async (tenant = 'acme') => {
    const exp = await lsp.request(Experiments.create, { tenant, name: `script-${Math.random()}` });
    return (await lsp.request(Runs.create, { tenant, experimentId: exp.id })).id;
  };
  const history = async (runId: string, key: string) => (await lsp.request(Runs.metricHistory, { tenant: 'acme', runId, key })).points;

  test('samples CPU and memory of the tree under MLflow names, and stops when the process exits', async () => {
    const runId = await newRun();
    const child = spinningTree();
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const result = await lsp.request(Processes.track, { tenant: 'acme', runId, pid: child.pid!, intervalSeconds: 0.3 });
      assert.equal(result.pid, child.pid);
      assert.equal(result.intervalSeconds, 0.3);
      const cpu = await waitFor(async () => {
        const points = await history(runId, SystemMetricNames.cpu);
        return points.length >= 4 && points;
      });
      assert.deepEqual(
        cpu.slice(0, 4).map((p) => p.step),
        [0, 1, 2, 3],
      );
      // The grandchild spins one core: well above idle once it runs (the first sample may catch its start-up).
      const busiest = Math.max(...cpu.map((p) => p.value ?? 0));
      assert.ok(busiest > 0, `cpu ${cpu.map((p) => p.value).join(',')}`);
      const memory = await history(runId, SystemMetricNames.memoryMb);
      assert.ok(memory.length >= 4);
      assert.ok(memory.every((p) => (p.value ?? 0) > 10), `memory ${memory.map((p) => p.value).join(',')}`);
      assert.ok((await history(runId, SystemMetricNames.memoryPercent)).length >= 4);
    } finally {
      child.kill('SIGTERM');
    }
    await exited;
    // The sampler notices the exit by itself: nothing is left to stop, and no more points arrive.
    await waitFor(async () => lsp.logs.some((l) => l.includes(`system metrics of run ${runId}: exited`)));
    assert.deepEqual(await lsp.request(Processes.stop, { runId }), { stopped: false, samples: 0 });
    const count = (await history(runId, SystemMetricNames.cpu)).length;
    await sleep(800);
    assert.equal((await history(runId, SystemMetricNames.cpu)).length, count);
  });

  test('stop ends sampling of a live process', async () => {
    const runId = await newRun();
    const child = spinningTree();
    try {
      await lsp.request(Processes.track, { tenant: 'acme', runId, pid: child.pid!, intervalSeconds: 0.2 });
      await waitFor(async () => (await history(runId, SystemMetricNames.cpu)).length >= 2);
      const stopped = await lsp.request(Processes.stop, { runId });
      assert.equal(stopped.stopped, true);
      assert.ok(stopped.samples >= 2);
      const count = (await history(runId, SystemMetricNames.cpu)).length;
      await sleep(600);
      assert.equal((await history(runId, SystemMetricNames.cpu)).length, count);
      assert.deepEqual(await lsp.request(Processes.stop, { runId }), { stopped: false, samples: 0 });
    } finally {
      child.kill('SIGTERM');
    }
  });

  test("another tenant's run, a missing process and bad parameters are refused", async () => {
    const foreign = await newRun('globex');
    const err = await lsp.failure(Processes.track, { tenant: 'acme', runId: foreign, pid: process.pid });
    assert.equal(err.data?.code, 'not_found');
    const runId = await newRun();
    const gone = await lsp.failure(Processes.track, { tenant: 'acme', runId, pid: 2 ** 31 - 2 });
    assert.equal(gone.data?.code, 'validation_error');
    const bad = await lsp.failure(Processes.track, { tenant: 'acme', runId, pid: -1 });
    assert.equal(bad.data?.code, 'validation_error');
  });
});
