/**
 * The daemon behind the extension: "Show Daemon Status" names its listener and discovery file,
 * "Restart Daemon" replaces it cleanly, and a crash is survived: the daemon process (its pid
 * from the discovery file) is killed
 * with SIGKILL, as an out-of-memory kill would, and the extension starts a new one: a new
 * discovery file with a new token, the status bar goes through "starting" back to "running",
 * the tree shows the data again and commands reach the new daemon.
 * One code-server start for the whole file.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { Api, type Matih, e2eSkip, matihLog, snap, startMatih, statusItem, waitFor, waitForDaemon, waitForStatus } from './support/matih.ts';

const skip = e2eSkip();
let m: Matih;

before(async () => {
  if (skip) return;
  m = await startMatih();
  console.log(`editor up (seconds): ${JSON.stringify(m.editor.timings)}`);
}, { timeout: 240_000 });

after(async () => {
  await m?.editor.close();
});

/** Records every accessible name the MATIH status bar item takes, from now on, in the page. */
async function recordStatus(): Promise<() => Promise<string[]>> {
  await m.page.evaluate(() => {
    const g = globalThis as any;
    const read = () => g.document.querySelector('.part.statusbar [aria-label^="MATIH Experiments:"]')?.getAttribute('aria-label') ?? '(none)';
    g.__matihStatus = [read()];
    g.__matihObserver?.disconnect();
    g.__matihObserver = new g.MutationObserver(() => {
      const now = read();
      if (g.__matihStatus.at(-1) !== now) g.__matihStatus.push(now);
    });
    g.__matihObserver.observe(g.document.querySelector('.part.statusbar'), { subtree: true, childList: true, attributes: true, characterData: true });
  });
  return () => m.page.evaluate(() => (globalThis as any).__matihStatus as string[]);
}

test('Show Daemon Status names the listener and discovery file; Restart Daemon starts a fresh daemon', { skip, timeout: 90_000 }, async () => {
  const { quick, page } = m;
  const first = m.daemon;
  await quick.command('MATIH: Show Daemon Status');
  await quick.waitForTitle('MATIH Daemon Status');
  const rows = await quick.options();
  const has = (re: RegExp) => assert.ok(rows.some((r) => re.test(r)), `${re} among ${JSON.stringify(rows)}`);
  has(/State, running\b/);
  has(/Health, healthy$/);
  has(/Backend, embedded/);
  has(/Active tenant, default$/);
  has(new RegExp(`HTTP listener, ${first.url.replace(/[.]/g, '\\.')}$`));
  has(new RegExp(`Discovery file, ${first.path.replace(/[.]/g, '\\.')}$`));
  has(new RegExp(`\\(pid ${first.pid}\\)$`));
  await snap(m.editor, 'daemon-01-status');
  await quick.cancel();

  await quick.command('MATIH: Restart Daemon');
  const next = await waitForDaemon(m.editor, { notPid: first.pid });
  assert.notEqual(next.pid, first.pid);
  // A clean stop removes the discovery file (only a crash leaves one behind).
  await waitFor('the old discovery file to be removed', () => !existsSync(first.path), { timeoutMs: 10_000 });
  await waitForStatus(page, /tenant default, backend embedded, daemon running/);
});

test('a killed daemon is restarted, and the tree, the status bar and the commands recover', { skip, timeout: 120_000 }, async () => {
  const { sidebar, quick, page } = m;
  const before = await waitForDaemon(m.editor);
  m.api = new Api(before);
  const experiment = await m.api.createExperiment('acme-corp', { name: 'survivor' });
  const run = await m.api.createRun('acme-corp', { experiment_id: experiment.id, name: 'before-crash' });
  await m.api.logMetrics('acme-corp', run.id, [{ key: 'accuracy', value: 0.93 }]);
  await m.api.end('acme-corp', run.id, 'finish');
  await sidebar.titleAction('Refresh');
  await sidebar.expand('Tenant acme-corp');
  await sidebar.expand('Experiment survivor');
  await sidebar.find(/^Run before-crash, Finished,/);

  const history = await recordStatus();
  process.kill(before.pid, 'SIGKILL');

  // A new daemon: another process, its own discovery file (private too) and a fresh token.
  const after = await waitForDaemon(m.editor, { notPid: before.pid, timeoutMs: 30_000 });
  assert.notEqual(after.pid, before.pid);
  assert.notEqual(after.path, before.path);
  assert.equal(after.mode, 0o600);
  assert.notEqual(after.token, before.token, 'a fresh token');
  const api = new Api(after);
  assert.equal((await api.raw('GET', '/api/v1/experiments', { tenant: 'acme-corp', token: before.token })).status, 401, 'the old token is dead');
  // The data survived the crash (it is on disk).
  assert.equal((await api.run('acme-corp', run.id)).status, 'finished');

  // The status bar went through a restart and is back to normal.
  await waitForStatus(page, /tenant default, backend embedded, daemon running/);
  const seen = await history();
  assert.ok(seen.some((label) => /daemon (starting|stopped|failed)/.test(label)), `the status bar showed the restart: ${JSON.stringify(seen)}`);
  assert.match(seen.at(-1) ?? '', /daemon running$/);
  assert.match(await statusItem(page).innerText(), /default · embedded/);

  // The tree works again: the old data, and new data written to the new daemon.
  await api.createExperiment('acme-corp', { name: 'after-crash' });
  await sidebar.titleAction('Refresh');
  await sidebar.expand('Tenant acme-corp');
  await sidebar.find('Experiment after-crash');
  await sidebar.expand('Experiment survivor');
  await sidebar.expand(/^Run before-crash, Finished,/);
  await sidebar.expand('Metrics 1');
  await sidebar.find(/^accuracy 0\.93\b/);
  await snap(m.editor, 'daemon-02-recovered');

  // Commands reach the new daemon.
  await sidebar.contextMenu('Experiment after-crash', 'Create Run…');
  await quick.answer('Create Run in "after-crash" (1/2)', 'first-run-after-crash');
  await quick.answer('(2/2)', '');
  const experimentAfter = (await api.experimentByName('acme-corp', 'after-crash'))!;
  await waitFor('the run in the new daemon', async () => (await api.runs('acme-corp', experimentAfter.id)).some((r) => r.name === 'first-run-after-crash'));
  await sidebar.find(/^Run first-run-after-crash, Running,/);

  assert.match(matihLog(m.editor), /The daemon exited unexpectedly; restarting it\./);
  // The crashed daemon could not remove its discovery file; readers tell it by its dead pid.
  assert.throws(() => process.kill(before.pid, 0));
});
