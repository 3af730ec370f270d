import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startCliDaemon } from '../support/cli.ts';

test('SIGTERM with a write in flight: the write completes, is answered and is there after a restart', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'matih-shutdown-'));
  const env = { ...process.env, MATIH_HOME: dataDir };
  const first = await startCliDaemon(['--port', '0', '--quiet'], env);
  try {
    const headers = { 'Content-Type': 'application/json', 'X-Tenant-ID': 'acme' };
    const exp: any = await (await fetch(`${first.url}/api/v1/experiments`, { method: 'POST', headers, body: '{"name":"e"}' })).json();
    const run: any = await (
      await fetch(`${first.url}/api/v1/experiments/runs`, { method: 'POST', headers, body: JSON.stringify({ experiment_id: exp.id }) })
    ).json();

    // Send the headers and half of a batch, signal the daemon, then send the rest.
    const metrics = Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), step: i }));
    const body = JSON.stringify({ metrics });
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${first.url}/api/v1/experiments/runs/${run.id}/log-batch`, {
        method: 'POST',
        headers: { ...headers, 'Content-Length': Buffer.byteLength(body) },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, body.length / 2));
      setTimeout(() => {
        first.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(body.length / 2)), 300);
      }, 200);
    });
    const res = await answer;
    assert.equal(res.status, 200, res.text);
    assert.equal(await first.exited, 0);
    assert.match(first.output(), /SIGTERM/);

    const second = await startCliDaemon(['--port', '0', '--quiet'], env);
    try {
      const hist: any = await (
        await fetch(`${second.url}/api/v1/experiments/runs/${run.id}/metrics/history?key=loss&max_results=5000`, { headers })
      ).json();
      assert.equal(hist.points.length, 1000);
      assert.equal(hist.points[999].step, 999);
    } finally {
      second.child.kill('SIGINT');
      assert.equal(await second.exited, 0);
    }
  } finally {
    first.child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a non-loopback bind without a token is refused with a reason', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'matih-bind-'));
  try {
    await assert.rejects(
      startCliDaemon(['--host', '0.0.0.0', '--port', '0'], { ...process.env, MATIH_HOME: dataDir }),
      /refusing to listen on 0\.0\.0\.0 without a token/,
    );
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
