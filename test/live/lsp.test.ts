/** `Live.*` over LSP: the extension subscribes, writes from HTTP and from LSP requests arrive as `Live.frame`. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { Experiments, Live, type LiveFrame, type LiveFramesParams, Runs } from '../../protocol/src/index.ts';
import { embeddedOptions, type LspDaemon, startLspDaemon } from '../lsp/harness.ts';
import { waitFor } from './support.ts';

describe('Live over LSP', () => {
  let lsp: LspDaemon;
  const frames: LiveFrame[] = [];
  let url = '';
  let token = '';
  before(async () => {
    lsp = await startLspDaemon({ initializationOptions: embeddedOptions() });
    lsp.connection.onNotification(Live.frame.method, (p: LiveFramesParams) => void frames.push(...p.frames));
    const status = await lsp.statusWhere((s) => s.httpUrl !== undefined);
    url = status.httpUrl!;
    token = JSON.parse(await readFile(status.discoveryFile!, 'utf8')).token;
  });
  after(() => lsp.dispose());

  const newRun = async (tenant = 'acme') => {
    const exp = await lsp.request(Experiments.create, { tenant, name: `live-${Math.random()}` });
    return (await lsp.request(Runs.create, { tenant, experimentId: exp.id })).id;
  };

  test('frames for subscribed runs: points logged by a script, status set from the editor', async () => {
    const runId = await newRun();
    assert.deepEqual(await lsp.request(Live.subscribe, { tenant: 'acme', runIds: [runId] }), { runIds: [runId] });
    const res = await fetch(`${url}/tenants/acme/api/2.0/mlflow/runs/log-batch`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ run_id: runId, metrics: [{ key: 'loss', value: 0.25, timestamp: 7, step: 3 }] }),
    });
    assert.equal(res.status, 200);
    await waitFor(() => frames.some((f) => f.runId === runId && f.points.length > 0));
    assert.deepEqual(frames.find((f) => f.runId === runId)!.points, [{ key: 'loss', step: 3, value: 0.25, timestamp: 7 }]);

    await lsp.request(Runs.update, { tenant: 'acme', runId, status: 'killed' });
    const status = await waitFor(() => frames.find((f) => f.runId === runId && f.status)?.status);
    assert.equal(status.status, 'KILLED');
    assert.equal(typeof status.endTime, 'number');

    await lsp.request(Live.unsubscribe, { tenant: 'acme', runIds: [runId] });
    const count = frames.length;
    await lsp.request(Runs.update, { tenant: 'acme', runId, status: 'finished' });
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(frames.length, count, 'nothing after unsubscribing');
  });

  test("another tenant's run is refused like a missing one, and nothing is subscribed", async () => {
    const other = await newRun('globex');
    const foreign = await lsp.failure(Live.subscribe, { tenant: 'acme', runIds: [other] });
    const missing = await lsp.failure(Live.subscribe, { tenant: 'acme', runIds: ['0123456789abcdef0123456789abcdef'] });
    assert.equal(foreign.data?.code, 'not_found');
    assert.equal(foreign.message.replace(other, 'ID'), missing.message.replace('0123456789abcdef0123456789abcdef', 'ID'));
    const bad = await lsp.failure(Live.subscribe, { tenant: 'acme', runIds: [] });
    assert.equal(bad.data?.code, 'validation_error');
  });
});
