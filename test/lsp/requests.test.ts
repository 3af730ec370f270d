import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { Daemon, type DaemonDiscovery, Experiments, Runs, Tenants, Validate } from '../../protocol/src/index.ts';
import { embeddedOptions, type LspDaemon, startLspDaemon } from './harness.ts';

/**
 * The protocol's tracking requests against the embedded store, through a daemon started the way
 * the extension starts it. Data the tests need but the protocol does not write (metrics, params)
 * goes in through the daemon's HTTP API with the discovery file's token, as a script would.
 */
describe('tracking requests over LSP', () => {
  let d: LspDaemon;
  let http: (method: string, path: string, tenant: string, body?: unknown) => Promise<{ status: number; body: any }>;

  before(async () => {
    d = await startLspDaemon({ initializationOptions: embeddedOptions() });
    const status = await d.request(Daemon.status, {});
    const discovery = JSON.parse(await readFile(status.discoveryFile!, 'utf8')) as DaemonDiscovery;
    http = async (method, path, tenant, body) => {
      const res = await fetch(discovery.url + path, {
        method,
        headers: { authorization: `Bearer ${discovery.token}`, 'x-tenant-id': tenant, 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
  });
  after(async () => {
    await d.stop();
    await d.dispose();
  });

  test('experiments: create, get, update, archive, restore, with the daemon tags hidden', async () => {
    const created = await d.request(Experiments.create, { tenant: 'acme', name: 'churn', description: 'weekly churn', tags: { team: 'ds' } });
    assert.match(created.id, /^\d+$/);
    assert.deepEqual(
      { ...created, id: '', artifactLocation: '', createdAt: '', lastUpdated: '' },
      { id: '', name: 'churn', description: 'weekly churn', artifactLocation: '', lifecycleStage: 'active', createdAt: '', lastUpdated: '', tags: { team: 'ds' } },
    );
    assert.equal(created.createdAt, created.lastUpdated);
    assert.match(created.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(await d.request(Experiments.get, { tenant: 'acme', experimentId: created.id }), created);

    const updated = await d.request(Experiments.update, {
      tenant: 'acme',
      experimentId: created.id,
      name: 'churn-v2',
      description: '',
      tags: { team: null, owner: 'ana' },
    });
    assert.equal(updated.name, 'churn-v2');
    assert.equal(updated.description, '');
    assert.deepEqual(updated.tags, { owner: 'ana' });

    const archived = await d.request(Experiments.archive, { tenant: 'acme', experimentId: created.id });
    assert.equal(archived.lifecycleStage, 'deleted');
    // Archiving twice is not an error; changing an archived experiment is.
    assert.equal((await d.request(Experiments.archive, { tenant: 'acme', experimentId: created.id })).lifecycleStage, 'deleted');
    const refused = await d.failure(Experiments.update, { tenant: 'acme', experimentId: created.id, name: 'x' });
    assert.equal(refused.message, `experiment ${created.id} is archived; restore it before changing it`);
    assert.deepEqual(refused.data, { code: 'validation_error', field: 'experimentId' });
    assert.equal(refused.code, -32602);

    const restored = await d.request(Experiments.restore, { tenant: 'acme', experimentId: created.id });
    assert.equal(restored.lifecycleStage, 'active');
  });

  test('experiments: paging, order, filter on plain names, archived ones only when asked', async () => {
    for (const name of ['page-a', 'page-b', 'page-c', 'page-d', 'page-e']) {
      await d.request(Experiments.create, { tenant: 'paging', name });
    }
    const e = await d.request(Experiments.create, { tenant: 'paging', name: 'other' });
    await d.request(Experiments.archive, { tenant: 'paging', experimentId: e.id });

    const names: string[][] = [];
    let pageToken: string | undefined;
    do {
      const page = await d.request(Experiments.list, {
        tenant: 'paging',
        filter: "name LIKE 'page-%'",
        orderBy: ['name DESC'],
        maxResults: 2,
        ...(pageToken ? { pageToken } : {}),
      });
      names.push(page.items.map((x) => x.name));
      pageToken = page.nextPageToken;
    } while (pageToken);
    assert.deepEqual(names, [['page-e', 'page-d'], ['page-c', 'page-b'], ['page-a']]);

    const active = await d.request(Experiments.list, { tenant: 'paging', orderBy: ['name ASC'] });
    assert.deepEqual(active.items.map((x) => x.name), ['page-a', 'page-b', 'page-c', 'page-d', 'page-e']);
    assert.equal(active.nextPageToken, undefined);
    const all = await d.request(Experiments.list, { tenant: 'paging', showArchived: true, orderBy: ['name ASC'] });
    assert.deepEqual(all.items.map((x) => `${x.name}:${x.lifecycleStage}`), [
      'other:deleted',
      'page-a:active',
      'page-b:active',
      'page-c:active',
      'page-d:active',
      'page-e:active',
    ]);
  });

  test('runs: create, update, tags, archive, restore', async () => {
    const exp = await d.request(Experiments.create, { tenant: 'acme', name: 'runs-lifecycle' });
    const run = await d.request(Runs.create, { tenant: 'acme', experimentId: exp.id, name: 'xgb', tags: { model: 'xgboost' } });
    assert.match(run.id, /^[0-9a-f]{32}$/);
    assert.deepEqual(
      { ...run, id: '', startTime: '' },
      {
        id: '',
        experimentId: exp.id,
        name: 'xgb',
        status: 'running',
        lifecycleStage: 'active',
        startTime: '',
        endTime: null,
        durationSeconds: null,
        tags: { model: 'xgboost', 'mlflow.runName': 'xgb' },
        params: {},
        metrics: {},
        artifacts: [],
      },
    );

    const tagged = await d.request(Runs.setTag, { tenant: 'acme', runId: run.id, key: 'stage', value: 'tuning' });
    assert.deepEqual(tagged.tags, { model: 'xgboost', 'mlflow.runName': 'xgb', stage: 'tuning' });
    const untagged = await d.request(Runs.deleteTag, { tenant: 'acme', runId: run.id, key: 'model' });
    assert.deepEqual(untagged.tags, { 'mlflow.runName': 'xgb', stage: 'tuning' });
    const reserved = await d.failure(Runs.setTag, { tenant: 'acme', runId: run.id, key: 'matih.tenant_id', value: 'globex' });
    assert.equal(reserved.message, "tags starting with 'matih.' are reserved for the daemon");
    assert.deepEqual(reserved.data, { code: 'validation_error', field: 'key' });

    const finished = await d.request(Runs.update, { tenant: 'acme', runId: run.id, status: 'finished', name: 'xgb-final' });
    assert.equal(finished.status, 'finished');
    assert.equal(finished.name, 'xgb-final');
    assert.notEqual(finished.endTime, null);
    assert.equal(finished.durationSeconds, (Date.parse(finished.endTime!) - Date.parse(finished.startTime)) / 1000);

    assert.equal((await d.request(Runs.archive, { tenant: 'acme', runId: run.id })).lifecycleStage, 'deleted');
    await d.request(Experiments.archive, { tenant: 'acme', experimentId: exp.id });
    await d.request(Experiments.restore, { tenant: 'acme', experimentId: exp.id });
    // Restoring the experiment restores its runs too (MLflow's semantics).
    assert.equal((await d.request(Runs.get, { tenant: 'acme', runId: run.id })).lifecycleStage, 'active');
    await d.request(Runs.archive, { tenant: 'acme', runId: run.id });
    await d.request(Experiments.archive, { tenant: 'acme', experimentId: exp.id });
    const inArchived = await d.failure(Runs.restore, { tenant: 'acme', runId: run.id });
    assert.equal(inArchived.message, `run ${run.id} is in archived experiment ${exp.id}; restore the experiment first`);
    assert.deepEqual(inArchived.data, { code: 'validation_error', field: 'runId' });
  });

  test('runs: list with filters, order and paging over data logged through the HTTP API', async () => {
    const exp = await d.request(Experiments.create, { tenant: 'acme', name: 'runs-search' });
    const ids: string[] = [];
    for (const [i, accuracy] of [0.7, 0.95, 0.91, 0.85, 0.99].entries()) {
      const run = await d.request(Runs.create, { tenant: 'acme', experimentId: exp.id, name: `r${i}` });
      const logged = await http('POST', `/api/v1/experiments/runs/${run.id}/log-batch`, 'acme', {
        metrics: [{ key: 'accuracy', value: accuracy, step: 0 }],
        params: { model: i % 2 === 0 ? 'xgboost' : 'linear' },
      });
      assert.equal(logged.status, 200, JSON.stringify(logged.body));
      if (i < 3) await d.request(Runs.update, { tenant: 'acme', runId: run.id, status: 'finished' });
      ids.push(run.id);
    }

    const page1 = await d.request(Runs.list, {
      tenant: 'acme',
      experimentId: exp.id,
      filter: 'metrics.accuracy > 0.8',
      orderBy: ['metrics.accuracy DESC'],
      maxResults: 3,
    });
    assert.deepEqual(page1.items.map((r) => [r.name, r.metrics.accuracy]), [['r4', 0.99], ['r1', 0.95], ['r2', 0.91]]);
    assert.equal(typeof page1.nextPageToken, 'string');
    const page2 = await d.request(Runs.list, {
      tenant: 'acme',
      experimentId: exp.id,
      filter: 'metrics.accuracy > 0.8',
      orderBy: ['metrics.accuracy DESC'],
      maxResults: 3,
      pageToken: page1.nextPageToken!,
    });
    assert.deepEqual(page2.items.map((r) => r.name), ['r3']);
    assert.equal(page2.nextPageToken, undefined);

    // Statuses in lowercase, as the views show them; params filters; newest first by default.
    const finishedXgb = await d.request(Runs.list, {
      tenant: 'acme',
      experimentId: exp.id,
      filter: "status = 'finished' and params.model = 'xgboost'",
    });
    assert.deepEqual(finishedXgb.items.map((r) => r.name), ['r2', 'r0']);
    assert.deepEqual(finishedXgb.items[0]!.params, { model: 'xgboost' });

    const bad = await d.failure(Runs.list, { tenant: 'acme', experimentId: exp.id, filter: 'metrics.accuracy >> 0.5' });
    assert.equal(bad.message, "Invalid filter 'metrics.accuracy >> 0.5': unexpected token '>>' at position 17");
    assert.deepEqual(bad.data, { code: 'validation_error', field: 'filter' });
    assert.equal(bad.code, -32602);
    assert.deepEqual(await d.request(Validate.runFilter, { filter: 'metrics.accuracy >> 0.5' }), {
      ok: false,
      message: "Invalid filter 'metrics.accuracy >> 0.5': unexpected token '>>' at position 17",
    });
    assert.deepEqual(await d.request(Validate.runFilter, { filter: "status = 'running'" }), { ok: true });
    const badOrder = await d.failure(Runs.list, { tenant: 'acme', experimentId: exp.id, orderBy: ['accuracy DESC'] });
    assert.deepEqual(badOrder.data, { code: 'validation_error', field: 'orderBy' });

    const history = await d.request(Runs.metricHistory, { tenant: 'acme', runId: ids[4]!, key: 'accuracy' });
    assert.deepEqual(
      history.points.map((p) => [p.step, p.value]),
      [[0, 0.99]],
    );
    const compared = await d.request(Runs.compare, { tenant: 'acme', runIds: [ids[0]!, ids[4]!] });
    assert.deepEqual(compared.runs.map((r) => r.name), ['r0', 'r4']);
    assert.deepEqual(compared.metrics, [
      { key: 'accuracy', direction: 'max', values: { [ids[0]!]: 0.7, [ids[4]!]: 0.99 }, bestRunId: ids[4]! },
    ]);
    assert.deepEqual(compared.params, [{ key: 'model', values: { [ids[0]!]: 'xgboost', [ids[4]!]: 'xgboost' }, differs: false }]);
  });

  test("another tenant's ids answer not_found, exactly like missing ones", async () => {
    const exp = await d.request(Experiments.create, { tenant: 'acme', name: 'secret' });
    const run = await d.request(Runs.create, { tenant: 'acme', experimentId: exp.id });

    const foreignExp = await d.failure(Experiments.get, { tenant: 'globex', experimentId: exp.id });
    const missingExp = await d.failure(Experiments.get, { tenant: 'globex', experimentId: '987654' });
    assert.equal(foreignExp.message, `No Experiment with id=${exp.id} exists`);
    assert.equal(missingExp.message, 'No Experiment with id=987654 exists');
    assert.deepEqual(foreignExp.data, { code: 'not_found' });
    assert.deepEqual(missingExp.data, { code: 'not_found' });
    assert.equal(foreignExp.code, -32803);

    for (const [what, p] of [
      ['get', d.failure(Runs.get, { tenant: 'globex', runId: run.id })],
      ['archive', d.failure(Runs.archive, { tenant: 'globex', runId: run.id })],
      ['setTag', d.failure(Runs.setTag, { tenant: 'globex', runId: run.id, key: 'k', value: 'v' })],
    ] as const) {
      const err = await p;
      assert.equal(err.message, `Run with id=${run.id} not found`, what);
      assert.deepEqual(err.data, { code: 'not_found' }, what);
    }
    const list = await d.failure(Runs.list, { tenant: 'globex', experimentId: exp.id });
    assert.equal(list.message, `No Experiment with id=${exp.id} exists`);
    const archive = await d.failure(Experiments.archive, { tenant: 'globex', experimentId: exp.id });
    assert.deepEqual(archive.data, { code: 'not_found' });
    // The owner still sees it untouched.
    assert.equal((await d.request(Experiments.get, { tenant: 'acme', experimentId: exp.id })).lifecycleStage, 'active');
    // Same names in two tenants do not collide.
    assert.equal((await d.request(Experiments.create, { tenant: 'globex', name: 'secret' })).name, 'secret');
  });

  test('bad parameters answer validation_error naming the field', async () => {
    const badTenant = await d.failure(Experiments.list, { tenant: 'Acme Corp' });
    assert.equal(badTenant.message, "tenant: must be 1-63 characters of lowercase letters, digits and '-'");
    assert.deepEqual(badTenant.data, { code: 'validation_error', field: 'tenant' });

    const unknown = await d.failure(Experiments.get, { tenant: 'acme', experimentId: '1', expId: '1' } as never);
    assert.equal(unknown.message, 'Unrecognized key: "expId"');
    assert.deepEqual(unknown.data, { code: 'validation_error', field: 'expId' });

    const missing = await d.failure(Experiments.create, { tenant: 'acme' } as never);
    assert.equal(missing.message, 'name: Invalid input: expected string, received undefined');
    assert.deepEqual(missing.data, { code: 'validation_error', field: 'name' });

    const badId = await d.failure(Runs.list, { tenant: 'acme', experimentId: 'abc' });
    assert.equal(badId.message, 'experimentId: must be a numeric experiment id');

    const tooMany = await d.failure(Experiments.list, { tenant: 'acme', maxResults: 5000 });
    assert.equal(tooMany.message, 'maxResults: Too big: expected number to be <=1000');

    const duplicate = await d.request(Experiments.create, { tenant: 'acme', name: 'twice' }).then(() =>
      d.failure(Experiments.create, { tenant: 'acme', name: 'twice' }),
    );
    assert.equal(duplicate.message, 'Experiment(name=twice) already exists.');
    assert.deepEqual(duplicate.data, { code: 'already_exists' });

    const reserved = await d.failure(Experiments.create, { tenant: 'acme', name: 'x', tags: { 'matih.tenant_id': 'globex' } });
    assert.equal(reserved.message, "tags starting with 'matih.' are reserved for the daemon");
    assert.deepEqual(reserved.data, { code: 'validation_error', field: 'tags.matih.tenant_id' });

    const notJson = await d.connection.sendRequest('matih/experiments/list', 'acme').catch((e: unknown) => e);
    assert.equal((notJson as Error).message, 'Invalid input: expected object, received string');
  });

  test('tenants: configured ones plus those the backend holds', async () => {
    const before = await d.request(Tenants.list, {});
    assert.deepEqual(before, { tenants: ['acme', 'globex', 'paging'] });
    const created = await http('POST', '/api/v1/experiments', 'initech', { name: 'from-a-script' });
    assert.equal(created.status, 201);
    assert.deepEqual(await d.request(Tenants.list, {}), { tenants: ['acme', 'globex', 'initech', 'paging'] });
    assert.deepEqual(await d.request(Tenants.list, { configured: ['zeta'] }), {
      tenants: ['acme', 'globex', 'initech', 'paging', 'zeta'],
    });
  });

  test('every request is logged with its duration and nothing else', () => {
    const requestLines = d.logs.filter((l) => l.startsWith('matih/'));
    assert.ok(requestLines.length > 40);
    for (const line of requestLines) assert.match(line, /^matih\/[a-zA-Z/]+ (ok|failed [a-z_]+) \d+ ms$/);
    assert.ok(requestLines.some((l) => /^matih\/experiments\/get failed not_found \d+ ms$/.test(l)));
    assert.ok(requestLines.some((l) => /^matih\/runs\/list failed validation_error \d+ ms$/.test(l)));
  });
});
