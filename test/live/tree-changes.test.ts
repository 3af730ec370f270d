/**
 * `Live.treeChanged`: experiments and runs created or changed through any surface reach the
 * editor (so its tree shows a run a script started), coalesced, per tenant, without subscribing.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { Experiments, Live, Runs, type TreeChange, type TreeChangedParams } from '../../protocol/src/index.ts';
import { ChangeFeed } from '../../server/src/live/change-feed.ts';
import { embeddedOptions, type LspDaemon, startLspDaemon } from '../lsp/harness.ts';
import { waitFor } from './support.ts';

describe('tree changes over LSP', () => {
  let lsp: LspDaemon;
  const notifications: TreeChange[][] = [];
  let url = '';
  let token = '';
  before(async () => {
    lsp = await startLspDaemon({ initializationOptions: embeddedOptions() });
    lsp.connection.onNotification(Live.treeChanged.method, (p: TreeChangedParams) => void notifications.push(p.changes));
    const status = await lsp.statusWhere((s) => s.httpUrl !== undefined);
    url = status.httpUrl!;
    token = JSON.parse(await readFile(status.discoveryFile!, 'utf8')).token;
  });
  after(() => lsp.dispose());

  const mlflow = async (tenant: string, path: string, body: unknown): Promise<any> => {
    const res = await fetch(`${url}/tenants/${tenant}/api/2.0/mlflow/${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, await res.clone().text());
    return res.json();
  };
  const seen = () => notifications.flat();

  test('a script creating an experiment and a run through the MLflow API is announced once each, as created', async () => {
    const { experiment_id } = await mlflow('acme', 'experiments/create', { name: `tree-${Date.now()}` });
    const { run } = await mlflow('acme', 'runs/create', { experiment_id, start_time: Date.now() });
    const runId: string = run.info.run_id;
    // A burst of writes to the new run in the same window adds nothing structural.
    await mlflow('acme', 'runs/log-batch', { run_id: runId, tags: [{ key: 'a', value: 'b' }], metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }] });
    await waitFor(() => seen().some((c) => c.kind === 'runs' && c.runId === runId));
    const experimentChanges = seen().filter((c) => c.kind === 'experiments' && c.experimentId === experiment_id);
    assert.deepEqual(experimentChanges, [{ tenant: 'acme', kind: 'experiments', experimentId: experiment_id, created: true }]);
    const runChanges = seen().filter((c) => c.runId === runId);
    assert.deepEqual(runChanges, [{ tenant: 'acme', kind: 'runs', runId, experimentId: experiment_id, created: true }]);
  });

  test('archive, restore and rename from the editor are announced as changes of the right tenant', async () => {
    const exp = await lsp.request(Experiments.create, { tenant: 'globex', name: `tree-${Date.now()}` });
    const run = await lsp.request(Runs.create, { tenant: 'globex', experimentId: exp.id });
    await waitFor(() => seen().some((c) => c.runId === run.id));
    const before = seen().length;
    await lsp.request(Runs.archive, { tenant: 'globex', runId: run.id });
    await lsp.request(Experiments.update, { tenant: 'globex', experimentId: exp.id, name: `renamed-${Date.now()}` });
    await waitFor(() => seen().slice(before).some((c) => c.kind === 'experiments' && c.experimentId === exp.id));
    await waitFor(() => seen().slice(before).some((c) => c.runId === run.id));
    const later = seen().slice(before);
    assert.ok(later.every((c) => c.tenant === 'globex' && !c.created), JSON.stringify(later));
    assert.ok(later.some((c) => c.kind === 'runs' && c.runId === run.id));
  });

  test('a refused write announces nothing', async () => {
    const count = seen().length;
    const res = await fetch(`${url}/tenants/acme/api/2.0/mlflow/experiments/create`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: '' }),
    });
    assert.equal(res.status, 400);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(seen().length, count);
  });
});

describe('ChangeFeed', () => {
  test('coalesces repeats of one item into one change, created only while every repeat was a creation', async () => {
    const feed = new ChangeFeed(20);
    const got: TreeChange[][] = [];
    feed.subscribe((c) => got.push(c));
    feed.publish({ tenant: 't', kind: 'runs', runId: 'r', experimentId: '1', created: true });
    feed.publish({ tenant: 't', kind: 'runs', runId: 'r', experimentId: '1', created: false });
    feed.publish({ tenant: 't', kind: 'experiments', experimentId: '1', created: true });
    await waitFor(() => got.length === 1);
    assert.deepEqual(got[0], [
      { tenant: 't', kind: 'runs', runId: 'r', experimentId: '1', created: false },
      { tenant: 't', kind: 'experiments', experimentId: '1', created: true },
    ]);
    feed.close();
  });

  test('a burst bigger than the window holds collapses to one reload per tenant', async () => {
    const feed = new ChangeFeed(20);
    const got: TreeChange[][] = [];
    feed.subscribe((c) => got.push(c));
    for (let i = 0; i < 500; i++) feed.publish({ tenant: i % 2 ? 'a' : 'b', kind: 'runs', runId: `r${i}`, experimentId: '1', created: true });
    await waitFor(() => got.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    const all = got.flat();
    assert.ok(all.length < 300, `collapsed: ${all.length}`);
    assert.ok(all.some((c) => c.tenant === 'a' && c.kind === 'experiments' && c.experimentId === undefined));
    assert.ok(all.some((c) => c.tenant === 'b' && c.kind === 'experiments' && c.experimentId === undefined));
    feed.close();
  });

  test('nothing is held while nobody listens', async () => {
    const feed = new ChangeFeed(10);
    feed.publish({ tenant: 't', kind: 'experiments', experimentId: '1', created: true });
    const got: TreeChange[][] = [];
    feed.subscribe((c) => got.push(c));
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(got, []);
    feed.close();
  });
});
