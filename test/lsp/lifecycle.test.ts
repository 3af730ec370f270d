import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { test } from 'node:test';
import { Daemon, type DaemonDiscovery, Experiments } from '../../protocol/src/index.ts';
import { embeddedOptions, type LspDaemon, startLspDaemon } from './harness.ts';

/**
 * The daemon process as the extension sees it: the discovery file and its token, the HTTP
 * listener's checks, and every way the process can end (LSP shutdown/exit, exit alone, a
 * signal, the editor going away), none of which may leave the discovery file behind.
 */

async function readDiscovery(d: LspDaemon): Promise<{ path: string; discovery: DaemonDiscovery }> {
  const status = await d.request(Daemon.status, {});
  assert.equal(status.discoveryFile, `${d.home}/daemon-${d.child.pid}.json`);
  return { path: status.discoveryFile!, discovery: JSON.parse(await readFile(status.discoveryFile!, 'utf8')) };
}

test('the discovery file: mode 0600, what it holds, and a token the HTTP listener requires', async () => {
  const d = await startLspDaemon({
    initializationOptions: embeddedOptions(),
    workspaceFolders: [
      { uri: 'file:///work/project', name: 'project' },
      { uri: 'vscode-remote://ssh-remote+box/home/u/x', name: 'x' },
    ],
  });
  try {
    const { path, discovery } = await readDiscovery(d);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(d.home)).mode & 0o777, 0o700);
    const status = await d.request(Daemon.status, {});
    assert.match(discovery.token, /^[A-Za-z0-9_-]{43}$/);
    assert.match(discovery.startedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual({ ...discovery, token: '', startedAt: '' }, {
      version: 1,
      pid: d.child.pid,
      port: Number(new URL(status.httpUrl!).port),
      url: status.httpUrl,
      token: '',
      activeTenant: 'acme',
      workspaceFolders: [
        { uri: 'file:///work/project', name: 'project', path: '/work/project' },
        { uri: 'vscode-remote://ssh-remote+box/home/u/x', name: 'x' },
      ],
      startedAt: '',
    });
    assert.equal(discovery.url, `http://127.0.0.1:${discovery.port}`);
    // No temporary files are left next to it.
    assert.deepEqual((await readdir(d.home)).filter((f) => f.startsWith('.')), []);

    const url = `${discovery.url}/api/v1/experiments`;
    const anonymous = await fetch(url, { headers: { 'x-tenant-id': 'acme' } });
    assert.equal(anonymous.status, 401);
    assert.deepEqual(await anonymous.json(), { error: { code: 'unauthorized', message: 'Missing bearer token' } });
    const wrong = await fetch(url, { headers: { 'x-tenant-id': 'acme', authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
    assert.deepEqual(await wrong.json(), { error: { code: 'unauthorized', message: 'Invalid bearer token' } });

    const auth = { authorization: `Bearer ${discovery.token}` };
    const created = await fetch(url, {
      method: 'POST',
      headers: { ...auth, 'x-tenant-id': 'acme', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'over-http' }),
    });
    assert.equal(created.status, 201);
    const body = (await created.json()) as { id: string };
    // What a script wrote over HTTP is what the sidebar reads over LSP.
    assert.equal((await d.request(Experiments.get, { tenant: 'acme', experimentId: body.id })).name, 'over-http');

    // MLflow clients without a tenant in their URI log to the active tenant.
    const mlflow = await fetch(`${discovery.url}/api/2.0/mlflow/experiments/create`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'from-mlflow' }),
    });
    assert.equal(mlflow.status, 200);
    const { experiment_id } = (await mlflow.json()) as { experiment_id: string };
    assert.equal((await d.request(Experiments.get, { tenant: 'acme', experimentId: experiment_id })).name, 'from-mlflow');

    // The token of another daemon (each process makes its own) does not work here.
    const other = await startLspDaemon({ initializationOptions: embeddedOptions() });
    try {
      const theirs = await readDiscovery(other);
      assert.notEqual(theirs.discovery.token, discovery.token);
      const res = await fetch(url, { headers: { 'x-tenant-id': 'acme', authorization: `Bearer ${theirs.discovery.token}` } });
      assert.equal(res.status, 401);
    } finally {
      await other.stop();
      await other.dispose();
    }

    assert.equal(await d.stop(), 0);
    assert.equal(existsSync(path), false);
    await assert.rejects(fetch(url, { headers: auth }));
    assert.ok(d.logs.includes('stopped'));
  } finally {
    await d.dispose();
  }
});

test('exit without shutdown: exit code 1, and the discovery file is still removed', async () => {
  const d = await startLspDaemon({ initializationOptions: embeddedOptions() });
  try {
    const { path } = await readDiscovery(d);
    await d.connection.sendNotification('exit');
    assert.equal(await d.exited, 1);
    assert.equal(existsSync(path), false);
  } finally {
    await d.dispose();
  }
});

test('SIGTERM finishes cleanly and removes the discovery file', async () => {
  const d = await startLspDaemon({ initializationOptions: embeddedOptions() });
  try {
    const { path } = await readDiscovery(d);
    d.child.kill('SIGTERM');
    assert.equal(await d.exited, 0);
    assert.equal(existsSync(path), false);
    assert.equal(d.output(), '');
  } finally {
    await d.dispose();
  }
});

test('the editor going away (IPC channel closed) stops the daemon and removes the discovery file', async () => {
  const d = await startLspDaemon({ initializationOptions: embeddedOptions() });
  try {
    const { path, discovery } = await readDiscovery(d);
    d.child.disconnect();
    assert.equal(await d.exited, 0);
    assert.equal(existsSync(path), false);
    await assert.rejects(fetch(`${discovery.url}/health`));
  } finally {
    await d.dispose();
  }
});

test('initialize answers the server info; a daemon with no options runs the embedded store', async () => {
  const d = await startLspDaemon({ workspaceFolders: null });
  try {
    assert.deepEqual(d.initializeResult.serverInfo, { name: 'matih-daemon', version: '0.1.0' });
    const status = await d.request(Daemon.status, {});
    assert.deepEqual({ ...status, httpUrl: '' }, {
      version: '0.1.0',
      backend: 'embedded',
      dataDir: d.home,
      activeTenant: 'default',
      pid: d.child.pid,
      httpUrl: '',
      discoveryFile: `${d.home}/daemon-${d.child.pid}.json`,
      healthy: true,
    });
    assert.deepEqual((await readDiscovery(d)).discovery.workspaceFolders, []);
    // The first status also arrives as a notification, once the client said `initialized`.
    assert.deepEqual(await d.statusWhere(() => true), status);
  } finally {
    await d.stop();
    await d.dispose();
  }
});

test('workspace folder changes reach the discovery file', async () => {
  const d = await startLspDaemon({ initializationOptions: embeddedOptions(), capabilities: { workspaceFolders: true } });
  try {
    assert.deepEqual(d.initializeResult.capabilities.workspace, { workspaceFolders: { supported: true, changeNotifications: true } });
    const { path } = await readDiscovery(d);
    d.folders = [{ uri: 'file:///work/other', name: 'other' }];
    await d.connection.sendNotification('workspace/didChangeWorkspaceFolders', {
      event: { added: [{ uri: 'file:///work/other', name: 'other' }], removed: [{ uri: 'file:///work/project', name: 'project' }] },
    });
    const deadline = Date.now() + 10_000;
    let folders: DaemonDiscovery['workspaceFolders'] = [];
    while (Date.now() < deadline) {
      folders = (JSON.parse(await readFile(path, 'utf8')) as DaemonDiscovery).workspaceFolders;
      if (folders[0]?.name === 'other') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(folders, [{ uri: 'file:///work/other', name: 'other', path: '/work/other' }]);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  } finally {
    await d.stop();
    await d.dispose();
  }
});
