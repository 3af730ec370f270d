/**
 * Run commands from the sidebar's context menus, as a user runs them: create (name and tags,
 * checked while typing), rename, set a tag, mark finished / failed / killed, archive (with its
 * Undo) and restore (with "Show Archived"), copy the run id. Every effect is checked through the
 * daemon's HTTP API as well as on screen. One code-server start for the whole file.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type ApiRun,
  type Matih,
  clearNotifications,
  clipboardText,
  e2eSkip,
  notificationButton,
  snap,
  startMatih,
  waitFor,
  waitForStatusMessage,
} from './support/matih.ts';

const skip = e2eSkip();
let m: Matih;
let experimentId: string;
const TENANT = 'default';

before(async () => {
  if (skip) return;
  m = await startMatih();
  console.log(`editor up (seconds): ${JSON.stringify(m.editor.timings)}`);
  experimentId = (await m.api.createExperiment(TENANT, { name: 'run-commands', description: 'Runs made and changed from the sidebar' })).id;
}, { timeout: 240_000 });

after(async () => {
  await m?.editor.close();
});

async function runNamed(name: string): Promise<ApiRun> {
  return waitFor(`run "${name}" in the daemon`, async () => (await m.api.runs(TENANT, experimentId, { view: 'all' })).find((r) => r.name === name));
}

test('Create Run, Rename Run and Set Tag, from the context menus', { skip, timeout: 90_000 }, async () => {
  const { sidebar, quick, api } = m;
  await sidebar.titleAction('Refresh');
  await sidebar.contextMenu('Experiment run-commands', 'Create Run…');
  const step1 = 'Create Run in "run-commands" (1/2)';
  await quick.waitForTitle(step1);
  await quick.fillAndExpectMessage('r'.repeat(251), /Run name must be at most 250 characters \(it has 251\)/);
  await quick.answer(step1, 'baseline-run');
  await quick.waitForTitle('(2/2)');
  await quick.fillAndExpectMessage('model', /"model" needs a value/);
  await quick.answer('Create Run in "run-commands" (2/2)', 'model=xgboost, dataset=v3');
  const created = await runNamed('baseline-run');
  assert.equal(created.status, 'running');
  assert.equal(created.tags.model, 'xgboost');
  assert.equal(created.tags.dataset, 'v3');
  // Shown right away, selected, with the running icon.
  const row = await sidebar.find(/^Run baseline-run, Running,/);
  await waitFor('the new run to be selected', async () => (await row.getAttribute('aria-selected')) === 'true');
  assert.equal(await sidebar.icon(row), 'sync');

  // No name: the daemon makes one up, as MLflow does.
  await sidebar.contextMenu('Experiment run-commands', 'Create Run…');
  await quick.answer(step1, '');
  await quick.answer('(2/2)', '');
  const runs = await waitFor('a second run', async () => {
    const all = await api.runs(TENANT, experimentId);
    return all.length === 2 ? all : undefined;
  });
  const generated = runs.find((r) => r.name !== 'baseline-run')!;
  assert.match(generated.name ?? '', /\S/, 'a generated name');
  await sidebar.find(new RegExp(`^Run ${generated.name},`));

  await sidebar.contextMenu(/^Run baseline-run,/, 'Rename Run…');
  await quick.waitForTitle('Rename Run "baseline-run"');
  assert.equal(await quick.input.inputValue(), 'baseline-run');
  await quick.fillAndExpectMessage('  ', /Run name must not be empty/);
  await quick.answer('Rename Run "baseline-run"', 'xgboost-depth6');
  await waitFor('the new name in the daemon', async () => (await api.run(TENANT, created.id)).name === 'xgboost-depth6');
  assert.equal((await api.run(TENANT, created.id)).tags['mlflow.runName'], 'xgboost-depth6');
  await sidebar.find(/^Run xgboost-depth6, Running,/);

  await sidebar.contextMenu(/^Run xgboost-depth6,/, 'Set Tag…');
  const tagStep1 = 'Set Tag on "xgboost-depth6" (1/2)';
  await quick.waitForTitle(tagStep1);
  await quick.fillAndExpectMessage('matih.tenant_id', /is set by MATIH and cannot be changed/);
  await quick.fillAndExpectMessage('a//b', /must not resolve to another name/);
  await snap(m.editor, 'run-01-tag-key-invalid');
  await quick.answer(tagStep1, 'stage');
  await quick.answer('Set Tag on "xgboost-depth6" (2/2)', 'candidate');
  await waitFor('the tag in the daemon', async () => (await api.run(TENANT, created.id)).tags.stage === 'candidate');
  await sidebar.expand(/^Run xgboost-depth6,/);
  await sidebar.expand('Tags 3');
  await sidebar.find(/^stage candidate\b/);
  await snap(m.editor, 'run-02-created-renamed-tagged');

  // Delete Tag, from the tag's own row.
  await sidebar.contextMenu(/^dataset v3\b/, 'Delete Tag');
  await waitFor('the tag to be gone from the daemon', async () => !('dataset' in (await api.run(TENANT, created.id)).tags));
  await waitFor('the tag row to go', async () => (await sidebar.row(/^dataset v3\b/).count()) === 0);
  await sidebar.find('Tags 2');
});

test('Mark Run as Finished / Failed / Killed end the run in the daemon and change its icon', { skip, timeout: 90_000 }, async () => {
  const { sidebar, api } = m;
  for (const name of ['to-finish', 'to-fail', 'to-kill']) await api.createRun(TENANT, { experiment_id: experimentId, name });
  await sidebar.titleAction('Collapse All');
  await sidebar.titleAction('Refresh');
  await sidebar.expand('Tenant default, active');
  await sidebar.expand(/^Experiment run-commands/);
  const offered = await sidebar.contextMenuItems(/^Run to-finish,/);
  for (const item of ['Mark Run as Finished', 'Mark Run as Failed', 'Mark Run as Killed']) assert.ok(offered.includes(item), `a running run offers ${item}: ${offered}`);

  const cases: [string, string, ApiRun['status'], string, RegExp][] = [
    ['to-finish', 'Mark Run as Finished', 'finished', 'pass', /, Finished,/],
    ['to-fail', 'Mark Run as Failed', 'failed', 'error', /, Failed,/],
    ['to-kill', 'Mark Run as Killed', 'killed', 'circle-slash', /, Killed,/],
  ];
  for (const [name, command, status, icon, label] of cases) {
    await sidebar.contextMenu(new RegExp(`^Run ${name},`), command);
    await waitForStatusMessage(m.page, new RegExp(`Marked run "${name}" as ${status}`));
    const run = await waitFor(`${name} to be ${status}`, async () => {
      const r = await runNamed(name);
      return r.status === status ? r : undefined;
    });
    assert.ok(run.end_time, `${name} got an end time`);
    const row = await sidebar.find(new RegExp(`^Run ${name}${label.source}`));
    assert.equal(await sidebar.icon(row), icon, `${name}'s icon`);
  }
  const after = await sidebar.contextMenuItems(/^Run to-finish,/);
  assert.ok(!after.some((i) => i.startsWith('Mark Run as')), `an ended run offers no "Mark as": ${after}`);
  await snap(m.editor, 'run-03-statuses');
});

test('Copy Run ID puts the id on the clipboard', { skip, timeout: 60_000 }, async () => {
  const run = await runNamed('to-finish');
  await m.page.evaluate(() => (globalThis as any).navigator.clipboard.writeText('stale'));
  await m.sidebar.contextMenu(/^Run to-finish,/, 'Copy Run ID');
  await waitForStatusMessage(m.page, new RegExp(`Copied run id ${run.id}`));
  await waitFor('the run id on the clipboard', async () => (await clipboardText(m.page)) === run.id);
});

test('Archive Run hides the run (with an Undo); "Show Archived" and Restore Run bring it back', { skip, timeout: 90_000 }, async () => {
  const { sidebar, api, page } = m;
  const archived = async (id: string) => (await api.runs(TENANT, experimentId, { view: 'deleted' })).some((r) => r.id === id);

  // Archive, then Undo from the notification.
  const killed = await runNamed('to-kill');
  await sidebar.contextMenu(/^Run to-kill,/, 'Archive Run');
  await m.editor.waitForNotification('Archived run "to-kill".');
  await waitFor('to-kill archived in the daemon', () => archived(killed.id));
  await notificationButton(page, /Archived run "to-kill"/, 'Undo');
  await waitFor('to-kill active again', async () => !(await archived(killed.id)));
  await sidebar.find(/^Run to-kill, Killed,/);

  // Archive without undo: the run leaves the tree.
  const failed = await runNamed('to-fail');
  await sidebar.contextMenu(/^Run to-fail,/, 'Archive Run');
  await m.editor.waitForNotification('Archived run "to-fail".');
  await waitFor('to-fail archived in the daemon', () => archived(failed.id));
  await waitFor('to-fail to leave the tree', async () => (await sidebar.row(/^Run to-fail,/).count()) === 0);
  await clearNotifications(m.editor);

  await sidebar.titleAction('Show Archived Experiments and Runs');
  const row = await sidebar.find(/^Run to-fail, Failed, archived,/);
  assert.equal(await sidebar.icon(row), 'archive');
  const offered = await sidebar.contextMenuItems(/^Run to-fail,/);
  assert.ok(offered.includes('Restore Run') && !offered.includes('Rename Run…'), `an archived run offers Restore only: ${offered}`);
  await snap(m.editor, 'run-04-archived-shown');
  await sidebar.contextMenu(/^Run to-fail,/, 'Restore Run');
  await waitFor('to-fail active in the daemon', async () => !(await archived(failed.id)));
  await waitFor('the tree to show it restored', async () => (await sidebar.row(/^Run to-fail, Failed, archived/).count()) === 0 && (await sidebar.row(/^Run to-fail, Failed,/).count()) === 1);
  await sidebar.titleAction('Hide Archived Experiments and Runs');
  await sidebar.find(/^Run to-fail, Failed,/);
});
