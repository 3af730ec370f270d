import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Daemon, type DaemonDiscovery, type DaemonStatus, Experiments, Tenants } from '../../protocol/src/index.ts';
import { embeddedOptions, startLspDaemon } from './harness.ts';

/** Settings from initialization options and `workspace/didChangeConfiguration`, good and bad. */

const settings = (extra: Record<string, unknown> = {}) => ({ backend: 'embedded', tenants: ['acme'], activeTenant: 'acme', ...extra });

function changeSettings(d: { connection: { sendNotification(method: string, params: unknown): Promise<void> } }, value: unknown) {
  return d.connection.sendNotification('workspace/didChangeConfiguration', { settings: value });
}

const listening = (logs: string[]) => logs.filter((l) => l.startsWith('listening on ')).length;

test('invalid settings at start: a clear problem, no crash, and the daemon starts once they are fixed', async () => {
  const d = await startLspDaemon({ initializationOptions: { settings: { backend: 'mlflow', tenants: ['Acme'] } } });
  try {
    const problem = "Invalid settings: settings.tenants[0]: must be 1-63 characters of lowercase letters, digits and '-'; settings.mlflowUri: is required when backend is mlflow";
    const status = await d.request(Daemon.status, {});
    assert.deepEqual(status, {
      version: '0.1.0',
      backend: 'not running',
      dataDir: d.home,
      activeTenant: 'default',
      pid: d.child.pid,
      healthy: false,
      problem,
    });
    assert.deepEqual(await readdir(d.home), []);
    const refused = await d.failure(Experiments.list, { tenant: 'acme' });
    assert.equal(refused.message, problem);
    assert.deepEqual(refused.data, { code: 'daemon_unavailable' });
    assert.deepEqual(await d.request(Tenants.list, {}), { tenants: ['default'], problem: `Could not list the backend's tenants: ${problem}` });
    assert.ok(d.logs.includes(problem));

    const mark = d.statuses.length;
    await changeSettings(d, settings());
    const fixed = await d.statusWhere((s) => s.healthy, mark);
    assert.equal(fixed.backend, 'embedded');
    assert.equal(fixed.problem, undefined);
    assert.equal(existsSync(fixed.discoveryFile!), true);
    assert.deepEqual((await d.request(Experiments.list, { tenant: 'acme' })).items, []);
  } finally {
    await d.stop();
    await d.dispose();
  }
});

test('an MLflow URI carrying a password is refused without echoing it', async () => {
  const d = await startLspDaemon({
    initializationOptions: { settings: { backend: 'mlflow', mlflowUri: 'http://bob:hunter2@mlflow.internal:5000' } },
  });
  try {
    const status = await d.request(Daemon.status, {});
    assert.equal(
      status.problem,
      'Invalid settings: settings.mlflowUri: must not contain a user name or password; store MLflow credentials with the credentials command instead',
    );
    await changeSettings(d, { backend: 'mlflow', mlflowUri: 'bob:hunter2@mlflow.internal' });
    const second = await d.statusWhere((s) => s.problem !== status.problem);
    assert.equal(second.problem, 'Invalid settings: settings.mlflowUri: must be an http(s) URL such as http://localhost:5000');
    assert.doesNotMatch(JSON.stringify([d.logs, d.statuses, d.output()]), /hunter2/);
  } finally {
    await d.stop();
    await d.dispose();
  }
});

test('a new data directory or active tenant moves the listener; its port and token stay', async () => {
  const other = await mkdtemp(join(tmpdir(), 'matih-lsp-other-'));
  const d = await startLspDaemon({ initializationOptions: embeddedOptions() });
  try {
    const first = await d.request(Daemon.status, {});
    const firstDiscovery = JSON.parse(await readFile(first.discoveryFile!, 'utf8')) as DaemonDiscovery;
    const exp = await d.request(Experiments.create, { tenant: 'acme', name: 'in-home' });

    await changeSettings(d, settings({ dataDir: other }));
    const moved = await d.statusWhere((s) => s.dataDir === other);
    assert.deepEqual(moved, { ...first, dataDir: other, discoveryFile: join(other, `daemon-${d.child.pid}.json`) });
    assert.equal(existsSync(first.discoveryFile!), false);
    const movedDiscovery = JSON.parse(await readFile(moved.discoveryFile!, 'utf8')) as DaemonDiscovery;
    assert.deepEqual({ ...movedDiscovery, startedAt: '' }, { ...firstDiscovery, startedAt: '' });
    // Another store: the first one's experiment is not there.
    assert.deepEqual((await d.failure(Experiments.get, { tenant: 'acme', experimentId: exp.id })).data, { code: 'not_found' });

    await changeSettings(d, settings({ dataDir: other, activeTenant: 'globex' }));
    const switched = await d.statusWhere((s) => s.activeTenant === 'globex');
    assert.equal(switched.httpUrl, first.httpUrl);
    const discovery = JSON.parse(await readFile(switched.discoveryFile!, 'utf8')) as DaemonDiscovery;
    assert.equal(discovery.activeTenant, 'globex');
    const res = await fetch(`${discovery.url}/api/2.0/mlflow/experiments/create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${discovery.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'logged-by-a-script' }),
    });
    assert.equal(res.status, 200);
    const page = await d.request(Experiments.list, { tenant: 'globex', filter: "name = 'logged-by-a-script'" });
    assert.deepEqual(page.items.map((e) => e.name), ['logged-by-a-script']);
    assert.equal(listening(d.logs), 3);
  } finally {
    await d.stop();
    await d.dispose();
    await rm(other, { recursive: true, force: true });
  }
});

test('a change of tenants only is taken without restarting; a bad change keeps the previous settings', async () => {
  const d = await startLspDaemon({ initializationOptions: embeddedOptions() });
  try {
    const first = await d.request(Daemon.status, {});
    await changeSettings(d, settings({ tenants: ['acme', 'umbrella'] }));
    assert.deepEqual(await d.request(Tenants.list, {}), { tenants: ['acme', 'umbrella'] });
    assert.equal(listening(d.logs), 1);
    assert.deepEqual(await d.request(Daemon.status, {}), first);

    await changeSettings(d, settings({ activeTenant: 'Not Valid' }));
    const bad = await d.statusWhere((s) => !s.healthy);
    assert.equal(
      bad.problem,
      "Settings not applied (the previous ones still hold): settings.activeTenant: must be 1-63 characters of lowercase letters, digits and '-'",
    );
    assert.equal(bad.httpUrl, first.httpUrl);
    // Still serving with the previous settings.
    assert.equal((await d.request(Experiments.create, { tenant: 'acme', name: 'still-works' })).name, 'still-works');

    await changeSettings(d, settings({ tenants: ['acme', 'umbrella'] }));
    const fixed = await d.statusWhere((s) => s.healthy, d.statuses.indexOf(bad) + 1);
    assert.deepEqual(fixed, first);
    assert.equal(listening(d.logs), 1);
  } finally {
    await d.stop();
    await d.dispose();
  }
});

test('settings pushed in their section, or pulled with workspace/configuration', async () => {
  let pulled = settings({ activeTenant: 'pulled' });
  const d = await startLspDaemon({ initializationOptions: embeddedOptions(), capabilities: { configuration: true }, configuration: () => pulled });
  try {
    await changeSettings(d, { matih: settings({ activeTenant: 'sectioned' }) });
    await d.statusWhere((s) => s.activeTenant === 'sectioned');
    await changeSettings(d, null);
    const status: DaemonStatus = await d.statusWhere((s) => s.activeTenant === 'pulled');
    assert.equal(status.healthy, true);
    pulled = settings({ activeTenant: 'pulled-again', unrelatedUiSetting: true });
    await changeSettings(d, null);
    assert.equal((await d.statusWhere((s) => s.activeTenant === 'pulled-again')).healthy, true);
  } finally {
    await d.stop();
    await d.dispose();
  }
});
