import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { Daemon, Experiments } from '../../protocol/src/index.ts';
import { BUNDLE, embeddedOptions, startLspDaemon } from './harness.ts';

/**
 * The shipped bundle, `dist/server/lsp.cjs` (built by `npm run build` before `npm test`): it runs
 * on Node 24, and on a Node too old for the store it starts anyway and says why it cannot serve.
 */

test('the bundle serves on this Node', { skip: !existsSync(BUNDLE) && 'dist/server/lsp.cjs is not built' }, async () => {
  const d = await startLspDaemon({ module: BUNDLE, initializationOptions: embeddedOptions() });
  try {
    assert.equal((await d.request(Daemon.status, {})).healthy, true);
    assert.equal((await d.request(Experiments.create, { tenant: 'acme', name: 'bundled' })).name, 'bundled');
    assert.equal(await d.stop(), 0);
  } finally {
    await d.dispose();
  }
});

/** The machine's own Node when it is older than the daemon needs (the CI machines have Node 20). */
function oldNode(): { path: string; version: string } | undefined {
  for (const path of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (!existsSync(path)) continue;
    const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
    const [major = 0, minor = 0] = version.slice(1).split('.').map(Number);
    if (major < 22 || (major === 22 && minor < 19)) return { path, version };
  }
  return undefined;
}

const old = oldNode();

test('on a Node too old for the store, the bundle says so instead of crashing', { skip: (!old || !existsSync(BUNDLE)) && 'no old Node or no bundle' }, async () => {
  const d = await startLspDaemon({ module: BUNDLE, execPath: old!.path, initializationOptions: embeddedOptions() });
  try {
    const problem =
      `The daemon cannot run on this Node: it needs Node >= 22.19, which the Node running it (${old!.version}) lacks: ` +
      'use a newer VS Code, or point the extension at a Node >= 22.19 in its settings';
    const status = await d.request(Daemon.status, {});
    assert.deepEqual(status, {
      version: '0.1.0',
      backend: 'not running',
      dataDir: d.home,
      activeTenant: 'acme',
      pid: d.child.pid,
      healthy: false,
      problem,
    });
    const list = await d.failure(Experiments.list, { tenant: 'acme' });
    assert.equal(list.message, problem);
    assert.deepEqual(list.data, { code: 'daemon_unavailable' });
    const probe = await d.failure(Daemon.testConnection, { uri: 'http://127.0.0.1:5000' });
    assert.deepEqual(probe.data, { code: 'daemon_unavailable' });
    assert.equal(await d.stop(), 0);
  } finally {
    await d.dispose();
  }
});
