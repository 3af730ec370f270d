import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Daemon, Experiments, Tenants } from '../../protocol/src/index.ts';
import { type MlflowServer, startMlflowServer } from '../support/mlflow.ts';
import { type LspDaemon, startLspDaemon } from './harness.ts';

/**
 * The MLflow side of the daemon: credentials from SecretStorage (set, used, never logged or
 * written), connection tests with readable answers, health as the backend comes and goes, and a
 * switch to a real `mlflow server` and back.
 */

const PASSWORD = 'S3cr3t-pa55word-71b9';
const TOKEN = 'tok-4f1d9a0c2e7b';

/** A stand-in MLflow server: answers experiments/search, checks Authorization, records what it got. */
class FakeMlflow {
  server: Server;
  url = '';
  port = 0;
  /** The Authorization header each request came with. */
  seen: (string | undefined)[] = [];
  /** When set, requests without exactly this Authorization get MLflow's plain-text 401. */
  require: string | undefined;
  mode: 'ok' | 'hang' | 'not-mlflow' = 'ok';
  experiments = [
    { experiment_id: '1', name: 'acme/churn', lifecycle_stage: 'active', tags: [{ key: 'matih.tenant_id', value: 'acme' }] },
    { experiment_id: '2', name: 'initech/tps', lifecycle_stage: 'deleted', tags: [{ key: 'matih.tenant_id', value: 'initech' }] },
    // Not a tenant's: the tag and the name prefix disagree.
    { experiment_id: '3', name: 'stray', lifecycle_stage: 'active', tags: [{ key: 'matih.tenant_id', value: 'mallory' }] },
  ];

  constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(port = 0): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server = createServer((req, res) => this.handle(req, res));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    this.seen.push(req.headers.authorization);
    if (this.mode === 'hang') return;
    if (this.mode === 'not-mlflow') {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>');
      return;
    }
    if (this.require !== undefined && req.headers.authorization !== this.require) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Basic realm="mlflow"' });
      res.end('You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html');
      return;
    }
    if (req.url === '/api/2.0/mlflow/experiments/search') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ experiments: this.experiments }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error_code: 'ENDPOINT_NOT_FOUND', message: 'no' }));
  }
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function everythingWritten(d: LspDaemon): Promise<string> {
  const files = await readdir(d.home, { recursive: true, withFileTypes: true });
  const contents = await Promise.all(
    files.filter((f) => f.isFile()).map((f) => readFile(join(f.parentPath, f.name)).then((b) => b.toString('latin1'))),
  );
  return [...contents, d.output(), ...d.logs, JSON.stringify(d.statuses)].join('\n');
}

describe('an MLflow backend', () => {
  const fake = new FakeMlflow();
  before(() => fake.start());
  after(() => fake.stop());

  test('credentials: refused without them, used once set, never logged or written', async () => {
    fake.require = basic('alice', PASSWORD);
    fake.seen = [];
    const d = await startLspDaemon({
      initializationOptions: { settings: { backend: 'mlflow', mlflowUri: fake.url, tenants: ['acme'], activeTenant: 'acme' }, credentials: {} },
    });
    try {
      // The first status already knows: the daemon waits briefly for MLflow's first answer.
      const refused = await d.statusWhere(() => true);
      assert.deepEqual(refused, {
        version: '0.1.0',
        backend: `mlflow ${fake.url}`,
        mlflowUiUrl: fake.url,
        dataDir: d.home,
        activeTenant: 'acme',
        pid: d.child.pid,
        httpUrl: refused.httpUrl,
        discoveryFile: `${d.home}/daemon-${d.child.pid}.json`,
        healthy: false,
        problem: `The backend refused the credentials: MLflow server answered HTTP 401: You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html`,
      });
      const list = await d.failure(Experiments.list, { tenant: 'acme' });
      assert.deepEqual(list.data, { code: 'unauthorized' });

      const mark = d.statuses.length;
      assert.equal(await d.request(Daemon.setCredentials, { credentials: { username: 'alice', password: PASSWORD } }), null);
      const healthy = await d.statusWhere((s) => s.healthy, mark);
      assert.equal(healthy.httpUrl, refused.httpUrl);
      assert.equal(fake.seen.at(-1), basic('alice', PASSWORD));
      assert.deepEqual(await d.request(Tenants.list, {}), { tenants: ['acme', 'initech'] });
      assert.deepEqual((await d.request(Experiments.list, { tenant: 'acme' })).items.map((e) => e.name), ['churn']);

      // The same credentials again: nothing to reconnect.
      const restarts = d.logs.filter((l) => l.startsWith('listening on ')).length;
      await d.request(Daemon.setCredentials, { credentials: { username: 'alice', password: PASSWORD } });
      assert.equal(d.logs.filter((l) => l.startsWith('listening on ')).length, restarts);

      fake.require = `Bearer ${TOKEN}`;
      await d.request(Daemon.setCredentials, { credentials: { token: TOKEN } });
      await d.request(Tenants.list, {});
      assert.equal(fake.seen.at(-1), `Bearer ${TOKEN}`);

      const bad = await d.failure(Daemon.setCredentials, { credentials: { username: 'alice' } } as never);
      assert.deepEqual(bad.data, { code: 'validation_error', field: 'credentials.password' });
      assert.equal(bad.message, 'credentials.password: is required with a user name');

      await d.stop();
      const written = await everythingWritten(d);
      assert.doesNotMatch(written, new RegExp(PASSWORD));
      assert.doesNotMatch(written, new RegExp(TOKEN));
      assert.doesNotMatch(written, new RegExp(Buffer.from(`alice:${PASSWORD}`).toString('base64')));
      assert.ok(d.logs.some((l) => /^matih\/daemon\/setCredentials ok \d+ ms$/.test(l)));
      assert.ok(d.logs.some((l) => /^matih\/daemon\/setCredentials failed validation_error \d+ ms$/.test(l)));
    } finally {
      fake.require = undefined;
      await d.dispose();
    }
  });

  test('credentials in the initialization options are used from the start', async () => {
    fake.require = basic('bob', PASSWORD);
    const d = await startLspDaemon({
      initializationOptions: {
        settings: { backend: 'mlflow', mlflowUri: `${fake.url}/`, activeTenant: 'acme' },
        credentials: { username: 'bob', password: PASSWORD },
      },
    });
    try {
      assert.deepEqual(await d.request(Tenants.list, {}), { tenants: ['acme', 'initech'] });
      assert.equal((await d.request(Daemon.status, {})).healthy, true);
      await d.stop();
      assert.doesNotMatch(await everythingWritten(d), new RegExp(PASSWORD));
    } finally {
      fake.require = undefined;
      await d.dispose();
    }
  });

  test('testConnection answers what is wrong, in words, without switching', async () => {
    const d = await startLspDaemon({ initializationOptions: { settings: { backend: 'embedded' } } });
    const closed = new FakeMlflow();
    await closed.start();
    const closedUrl = closed.url;
    await closed.stop();
    try {
      const t = (uri: string, extra: Record<string, unknown> = {}) => d.request(Daemon.testConnection, { uri, ...extra });
      assert.deepEqual(await t(fake.url), { ok: true, message: `Connected to MLflow at ${fake.url}` });
      assert.deepEqual(await t(closedUrl), {
        ok: false,
        message: `Nothing is listening at ${closedUrl} (connection refused): is the MLflow server running?`,
      });

      fake.require = basic('carol', PASSWORD);
      assert.deepEqual(await t(fake.url), {
        ok: false,
        message: `MLflow at ${fake.url} needs credentials (HTTP 401): set them with the credentials command`,
      });
      assert.deepEqual(await t(fake.url, { credentials: { username: 'carol', password: 'wrong' } }), {
        ok: false,
        message: `MLflow at ${fake.url} refused the credentials (HTTP 401): check the user name and password, or the token`,
      });
      assert.deepEqual(await t(`${fake.url}/`, { credentials: { username: 'carol', password: PASSWORD } }), {
        ok: true,
        message: `Connected to MLflow at ${fake.url}`,
      });
      // Without credentials in the request, the ones the daemon holds are tried.
      await d.request(Daemon.setCredentials, { credentials: { username: 'carol', password: PASSWORD } });
      assert.deepEqual(await t(fake.url), { ok: true, message: `Connected to MLflow at ${fake.url}` });
      fake.require = undefined;

      fake.mode = 'hang';
      const started = Date.now();
      assert.deepEqual(await t(fake.url, { timeoutMs: 500 }), {
        ok: false,
        message: `MLflow at ${fake.url} did not answer within 0.5 s: check the URI, the network or a proxy`,
      });
      assert.ok(Date.now() - started < 3000);
      fake.mode = 'not-mlflow';
      assert.deepEqual(await t(`${fake.url}/ui`), {
        ok: false,
        message: `${fake.url}/ui does not answer like an MLflow tracking server (HTTP 404): check that the URI is the tracking server's base URL`,
      });
      fake.mode = 'ok';
      assert.deepEqual(await t('ftp://files.example'), { ok: false, message: 'The MLflow URI must be an http(s) URL, not ftp:' });
      assert.deepEqual(await t('not a url'), { ok: false, message: 'The MLflow URI must be an http(s) URL such as http://localhost:5000' });

      // Still on the embedded store.
      assert.equal((await d.request(Daemon.status, {})).backend, 'embedded');
    } finally {
      fake.mode = 'ok';
      fake.require = undefined;
      await d.stop();
      await d.dispose();
    }
  });

  test('health follows the backend: unreachable, then back', async () => {
    const flaky = new FakeMlflow();
    await flaky.start();
    const d = await startLspDaemon({ initializationOptions: { settings: { backend: 'mlflow', mlflowUri: flaky.url, activeTenant: 'acme' } } });
    try {
      assert.equal((await d.statusWhere(() => true)).healthy, true);
      const mark = d.statuses.length;
      await flaky.stop();
      const down = await d.failure(Experiments.list, { tenant: 'acme' });
      assert.equal(down.message, `MLflow server at ${flaky.url} is unavailable (ECONNREFUSED)`);
      assert.deepEqual(down.data, { code: 'backend_unavailable' });
      const unhealthy = await d.statusWhere((s) => !s.healthy, mark);
      assert.equal(unhealthy.problem, `MLflow server at ${flaky.url} is unavailable (ECONNREFUSED)`);
      const tenants = await d.request(Tenants.list, {});
      assert.deepEqual(tenants, {
        tenants: ['acme'],
        problem: `Could not list the backend's tenants: MLflow server at ${flaky.url} is unavailable (ECONNREFUSED)`,
      });

      await flaky.start(flaky.port);
      assert.deepEqual((await d.request(Experiments.list, { tenant: 'acme' })).items.map((e) => e.name), ['churn']);
      const back = await d.statusWhere((s) => s.healthy, d.statuses.indexOf(unhealthy) + 1);
      assert.equal(back.problem, undefined);
      assert.ok(d.logs.includes('the backend answers again'));
    } finally {
      await d.stop();
      await d.dispose();
      await flaky.stop();
    }
  });
});

describe('switching between the embedded store and a real MLflow server', () => {
  let mlflow: MlflowServer;
  before(async () => {
    mlflow = await startMlflowServer();
  });
  after(() => mlflow?.stop());

  test('embedded → mlflow → embedded, each with its own data, the listener on the same port', async () => {
    const d = await startLspDaemon({ initializationOptions: { settings: { backend: 'embedded', activeTenant: 'acme' } } });
    try {
      const embedded = await d.request(Daemon.status, {});
      await d.request(Experiments.create, { tenant: 'acme', name: 'local-only' });

      await d.connection.sendNotification('workspace/didChangeConfiguration', {
        settings: { backend: 'mlflow', mlflowUri: mlflow.url, activeTenant: 'acme' },
      });
      const remote = await d.statusWhere((s) => s.backend.startsWith('mlflow'));
      const mark = d.statuses.length;
      assert.deepEqual(remote, { ...embedded, backend: `mlflow ${mlflow.url}`, mlflowUiUrl: mlflow.url });
      const exp = await d.request(Experiments.create, { tenant: 'globex', name: 'on-the-server', description: 'remote' });
      assert.deepEqual((await d.request(Experiments.list, { tenant: 'acme' })).items, []);
      assert.deepEqual(await d.request(Tenants.list, {}), { tenants: ['acme', 'globex'] });
      const direct = await fetch(`${mlflow.url}/api/2.0/mlflow/experiments/get?experiment_id=${exp.id}`);
      const body = (await direct.json()) as { experiment: { name: string; tags: { key: string; value: string }[] } };
      assert.equal(body.experiment.name, 'globex/on-the-server');
      assert.deepEqual(
        body.experiment.tags.filter((t) => t.key === 'matih.tenant_id'),
        [{ key: 'matih.tenant_id', value: 'globex' }],
      );
      assert.deepEqual(await d.request(Daemon.testConnection, { uri: mlflow.url }), { ok: true, message: `Connected to MLflow at ${mlflow.url}` });

      await d.connection.sendNotification('workspace/didChangeConfiguration', { settings: { backend: 'embedded', activeTenant: 'acme' } });
      const back = await d.statusWhere((s) => s.backend === 'embedded', mark);
      assert.deepEqual(back, embedded);
      assert.deepEqual((await d.request(Experiments.list, { tenant: 'acme' })).items.map((e) => e.name), ['local-only']);
    } finally {
      await d.stop();
      await d.dispose();
    }
  });
});
