/**
 * Experiment, tenant and backend commands as a user runs them, from the Command Palette and the
 * sidebar's context menus: create (with the input checks visible while typing), edit the
 * description and tags, rename, archive (after a confirmation) and restore (with "Show
 * Archived"), add a tenant and switch the active one (the status bar and the daemon follow),
 * and choose a backend (an unreachable MLflow server is refused and nothing changes). Every
 * effect is checked through the daemon's HTTP API, not only on screen.
 * One code-server start for the whole file.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import {
  Api,
  type Matih,
  clearNotifications,
  dialogButton,
  dialogText,
  e2eSkip,
  notificationButton,
  snap,
  startMatih,
  statusItem,
  userSettings,
  waitFor,
  waitForDaemon,
  waitForStatus,
  waitForStatusMessage,
} from './support/matih.ts';

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

test('Create Experiment: the name is checked while typing, then name, description and tags reach the daemon', { skip, timeout: 90_000 }, async () => {
  const { quick, sidebar, api, page } = m;
  await quick.command('MATIH: Create Experiment…');
  const step1 = 'Create Experiment in tenant "default" (1/3)';
  await quick.waitForTitle(step1);
  // Bad names are flagged under the input, and Enter does not take them.
  assert.equal(await quick.fillAndExpectMessage('   ', /^Experiment name must not be empty$/), 'Experiment name must not be empty');
  assert.ok(await quick.showsError());
  await snap(m.editor, 'experiment-01-name-required');
  await quick.input.press('Enter');
  assert.equal(await quick.title(), step1, 'an empty name is not accepted');
  await quick.fillAndExpectMessage('n'.repeat(256), /at most 255 characters \(it has 256\)/);
  await quick.input.press('Enter');
  assert.equal(await quick.title(), step1, 'a 256-character name is not accepted');

  await quick.answer(step1, 'churn-model');
  await quick.answer('Create Experiment in tenant "default" (2/3)', 'Predicts churn from usage');
  await quick.waitForTitle('(3/3)');
  await quick.fillAndExpectMessage('team', /"team" needs a value/);
  await quick.answer('Create Experiment in tenant "default" (3/3)', 'team=data-science, stage=dev');
  await waitForStatusMessage(page, /Created experiment "churn-model" in tenant "default"/);

  const created = await waitFor('the experiment in the daemon', () => api.experimentByName('default', 'churn-model'));
  assert.equal(created.description, 'Predicts churn from usage');
  assert.deepEqual(created.tags, { stage: 'dev', team: 'data-science' });
  assert.equal(created.lifecycle_stage, 'active');
  // The tree replaced the welcome content and selected the new experiment.
  const row = await sidebar.find('Experiment churn-model');
  await waitFor('the new experiment to be selected', async () => (await row.getAttribute('aria-selected')) === 'true');
  await snap(m.editor, 'experiment-02-created');

  // The same name again: the daemon refuses, and the user reads why.
  await quick.command('MATIH: Create Experiment…');
  await quick.answer(step1, 'churn-model');
  await quick.answer('(2/3)', '');
  await quick.answer('(3/3)', '');
  const refused = await m.editor.waitForNotification(/already exists/);
  assert.match(refused, /churn-model/);
  assert.equal((await api.experiments('default')).length, 1, 'no second experiment');
  await clearNotifications(m.editor);
});

test('Edit Description, Edit Tags and Rename change the experiment in the daemon', { skip, timeout: 90_000 }, async () => {
  const { quick, sidebar, api } = m;
  const id = (await api.experimentByName('default', 'churn-model'))!.id;

  await sidebar.contextMenu('Experiment churn-model', 'Edit Description…');
  await quick.waitForTitle('Description of "churn-model"');
  assert.equal(await quick.input.inputValue(), 'Predicts churn from usage', 'the current description is offered for editing');
  await quick.answer('Description of "churn-model"', 'Predicts churn from product usage, v2 features');
  await waitFor('the new description', async () => (await api.experiment('default', id)).description === 'Predicts churn from product usage, v2 features');
  await waitFor('the tree to show it', async () => /product usage/.test(await (await sidebar.find('Experiment churn-model')).innerText()));

  await sidebar.contextMenu('Experiment churn-model', 'Edit Tags…');
  await quick.waitForTitle('Tags of "churn-model"');
  const offered = await quick.input.inputValue();
  assert.match(offered, /team=data-science/);
  assert.match(offered, /stage=dev/);
  await quick.fillAndExpectMessage('team=ml, =oops', /Tag key must not be empty/);
  assert.ok(await quick.showsError(), 'a pair without a key is flagged');
  // Drop `stage`, change `team`, add `owner`.
  await quick.answer('Tags of "churn-model"', 'team=ml-platform, owner=maria');
  await waitFor('the new tags', async () => JSON.stringify((await api.experiment('default', id)).tags) === JSON.stringify({ owner: 'maria', team: 'ml-platform' }));

  // Rename: a name another experiment has is refused by the daemon; a free one is taken.
  await api.createExperiment('default', { name: 'baseline' });
  await sidebar.titleAction('Refresh');
  await sidebar.find('Experiment baseline');
  await sidebar.contextMenu('Experiment churn-model', 'Rename Experiment…');
  const renameTitle = 'Rename Experiment "churn-model" (tenant "default")';
  await quick.waitForTitle(renameTitle);
  assert.equal(await quick.input.inputValue(), 'churn-model');
  await quick.fillAndExpectMessage('', /must not be empty/);
  await quick.answer(renameTitle, 'baseline');
  await m.editor.waitForNotification(/already exists/);
  assert.equal((await api.experiment('default', id)).name, 'churn-model', 'a refused rename changes nothing');
  await clearNotifications(m.editor);

  await sidebar.contextMenu('Experiment churn-model', 'Rename Experiment…');
  await quick.answer(renameTitle, 'churn-model-v2');
  await waitFor('the new name in the daemon', async () => (await api.experiment('default', id)).name === 'churn-model-v2');
  await sidebar.find('Experiment churn-model-v2');
  assert.equal(await sidebar.row('Experiment churn-model').count(), 0, 'the old name is gone from the tree');
  await snap(m.editor, 'experiment-03-renamed');
});

test('Archive asks first; "Show Archived" reveals the experiment, which Restore brings back', { skip, timeout: 90_000 }, async () => {
  const { sidebar, api, page } = m;
  const id = (await api.experimentByName('default', 'churn-model-v2'))!.id;

  await sidebar.contextMenu('Experiment churn-model-v2', 'Archive Experiment');
  const question = await dialogText(page);
  assert.match(question, /Archive experiment "churn-model-v2" in tenant "default"\?/);
  assert.match(question, /hidden, not deleted/);
  await snap(m.editor, 'experiment-04-archive-confirmation');
  await dialogButton(page, 'Cancel');
  assert.equal((await api.experiment('default', id)).lifecycle_stage, 'active', 'Cancel archives nothing');
  assert.equal(await sidebar.row('Experiment churn-model-v2').count(), 1);

  await sidebar.contextMenu('Experiment churn-model-v2', 'Archive Experiment');
  await dialogText(page);
  await dialogButton(page, 'Archive');
  await waitFor('the daemon to archive it', async () => (await api.experiment('default', id)).lifecycle_stage === 'deleted');
  await waitFor('the archived experiment to leave the tree', async () => (await sidebar.row(/^Experiment churn-model-v2/).count()) === 0);

  await sidebar.titleAction('Show Archived Experiments and Runs');
  const archived = await sidebar.find('Experiment churn-model-v2, archived');
  assert.equal(await sidebar.icon(archived), 'archive');
  assert.match(await archived.innerText(), /archived/);
  assert.equal(userSettings(m.editor)['matih.showArchived'], true);
  const offered = await sidebar.contextMenuItems('Experiment churn-model-v2, archived');
  assert.ok(offered.includes('Restore Experiment'), `offered: ${offered}`);
  assert.ok(!offered.includes('Rename Experiment…') && !offered.includes('Archive Experiment'), `an archived experiment cannot be edited: ${offered}`);
  await snap(m.editor, 'experiment-05-show-archived');

  await sidebar.contextMenu('Experiment churn-model-v2, archived', 'Restore Experiment');
  await waitFor('the daemon to restore it', async () => (await api.experiment('default', id)).lifecycle_stage === 'active');
  const restored = await sidebar.find('Experiment churn-model-v2');
  assert.equal(await sidebar.icon(restored), 'beaker');
  await sidebar.titleAction('Hide Archived Experiments and Runs');
  await waitFor('the setting to go back', async () => userSettings(m.editor)['matih.showArchived'] === false);
});

test('Add Tenant and Switch Active Tenant: the status bar, the tree and the daemon follow', { skip, timeout: 90_000 }, async () => {
  const { quick, sidebar, page } = m;
  assert.match(await statusItem(page).innerText(), /default · embedded/);

  await quick.command('MATIH: Add Tenant…');
  await quick.waitForTitle('Add Tenant');
  await quick.fillAndExpectMessage('Research_Lab', /only contain lowercase letters, digits and "-"/);
  await quick.answer('Add Tenant', 'research-lab');
  await m.editor.waitForNotification(/Added tenant "research-lab"/);
  await snap(m.editor, 'tenant-01-added');
  await notificationButton(page, /Added tenant "research-lab"/, 'Make Active');

  await waitForStatus(page, /tenant research-lab, backend embedded, daemon running/);
  // The switch restarts the daemon's listener; the item settles on the new tenant and backend.
  await waitFor('the status item to show research-lab · embedded', async () => /research-lab · embedded/.test(await statusItem(page).innerText()));
  await waitFor('the tree to put the active tenant first', async () => (await sidebar.labels())[0] === 'Tenant research-lab, active');
  assert.deepEqual(userSettings(m.editor)['matih.tenants'], ['research-lab']);
  // The daemon now serves the new tenant to scripts: its discovery file says so, and an MLflow
  // client whose tracking URI names no tenant logs there.
  const daemon = await waitForDaemon(m.editor, { activeTenant: 'research-lab' });
  const api = new Api(daemon);
  const mlflow = await api.raw('POST', '/api/2.0/mlflow/experiments/create', { body: { name: 'from-a-script' } });
  assert.equal(mlflow.status, 200, JSON.stringify(mlflow.body));
  assert.ok(await api.experimentByName('research-lab', 'from-a-script'), 'an MLflow client lands in the active tenant');
  assert.equal(await api.experimentByName('default', 'from-a-script'), undefined);
  // New experiments from the palette go there too.
  await quick.command('MATIH: Create Experiment…');
  await quick.answer('Create Experiment in tenant "research-lab" (1/3)', 'lab-notes');
  await quick.answer('(2/3)', '');
  await quick.answer('(3/3)', '');
  await waitFor('lab-notes in research-lab', () => api.experimentByName('research-lab', 'lab-notes'));

  // Switch back from the palette: the quick pick lists the tenants and marks the active one.
  await quick.command('MATIH: Switch Active Tenant…');
  await quick.waitForTitle('Switch Active Tenant');
  const options = await quick.options();
  assert.ok(options.some((o) => /^research-lab, active/.test(o)), `options: ${options}`);
  assert.ok(options.some((o) => /^default\b/.test(o)), `options: ${options}`);
  await snap(m.editor, 'tenant-02-switch');
  await quick.choose('Switch Active Tenant', /^default$/);
  await waitForStatus(page, /tenant default, backend embedded, daemon running/);
  await waitForDaemon(m.editor, { activeTenant: 'default' });
  await waitFor('default first in the tree', async () => (await sidebar.labels())[0] === 'Tenant default, active');
  assert.equal(userSettings(m.editor)['matih.activeTenant'], 'default');
});

test('Choose Backend: an unreachable MLflow server is refused with a readable message, and the backend stays', { skip, timeout: 90_000 }, async () => {
  const { quick, page } = m;
  // A port nothing listens on.
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const uri = `http://127.0.0.1:${port}`;

  await quick.command('MATIH: Choose Backend…');
  await quick.waitForTitle('Choose Backend');
  const choices = await quick.options();
  assert.ok(choices.some((c) => /Embedded, current/.test(c)), `choices: ${choices}`);
  await quick.choose('Choose Backend', /MLflow tracking server/);
  await quick.waitForTitle('MLflow Backend (1/3): Server');
  await quick.fillAndExpectMessage('ftp://mlflow.example.com', /must start with http:\/\/ or https:\/\//);
  await quick.fillAndExpectMessage('https://alice:secret@mlflow.example.com', /Leave credentials out of the URL/);
  await quick.answer('MLflow Backend (1/3): Server', uri);
  await quick.choose('MLflow Backend (2/3): Authentication', /No authentication/);
  const message = await m.editor.waitForNotification(/Did not switch/, 30_000);
  assert.match(message, new RegExp(`Did not switch to ${uri.replace(/[.]/g, '\\.')}: `));
  assert.match(message, /connection refused|Nothing is listening|not reachable|ECONNREFUSED/i);
  assert.doesNotMatch(message, /\bat .*\.(c?js|ts):\d+|\[object Object\]/, 'no stack trace or object dump');
  // The "Testing …" progress goes away once the answer is in (VS Code shows it for a moment more).
  await waitFor('the progress toast to close', async () => !(await m.editor.notifications()).some((n) => n.startsWith('Testing ')), { timeoutMs: 5_000 });
  await snap(m.editor, 'backend-01-refused');

  // Nothing changed: the daemon still uses the embedded store, the settings were not written,
  // the status bar still says so.
  const daemon = await waitForDaemon(m.editor);
  assert.equal((await new Api(daemon).health()).backend, 'embedded');
  const settings = userSettings(m.editor);
  assert.notEqual(settings['matih.backend'], 'mlflow');
  assert.equal(settings['matih.mlflow.uri'], undefined);
  await waitForStatus(page, /backend embedded, daemon running/);
});
