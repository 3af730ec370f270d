/**
 * The sidebar against data made through the daemon's own HTTP API, as a script or a colleague's
 * tool would make it: the discovery file gives the URL and token, two tenants get experiments
 * and runs, and the tree shows them (names, run status icons, params and latest metric values,
 * tenant isolation); the run filter (the daemon's message for a bad one, a narrowed list for a
 * good one, everything back when cleared); and paging ("Load more…" over 250 runs).
 * One code-server start for the whole file.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Api, type ApiRun, type Matih, clipboardText, e2eSkip, matihLog, snap, startMatih, waitFor } from './support/matih.ts';

const skip = e2eSkip();
let m: Matih;
let api: Api;

before(async () => {
  if (skip) return;
  m = await startMatih();
  api = m.api;
  console.log(`editor up (seconds): ${JSON.stringify(m.editor.timings)}`);
}, { timeout: 240_000 });

after(async () => {
  await m?.editor.close();
});

/** A run made through the API: params, metrics (several steps: the tree shows the latest), final status. */
async function seedRun(
  tenant: string,
  experimentId: string,
  name: string,
  { params = {}, metrics = {}, tags = {}, end }: { params?: Record<string, string>; metrics?: Record<string, (number | string)[]>; tags?: Record<string, string>; end?: 'finish' | 'fail' | 'kill' | 'schedule' } = {},
): Promise<ApiRun> {
  const run = await api.createRun(tenant, { experiment_id: experimentId, name, ...(Object.keys(tags).length > 0 ? { tags } : {}) });
  if (Object.keys(params).length > 0) await api.logParams(tenant, run.id, params);
  const points = Object.entries(metrics).flatMap(([key, values]) => values.map((value, step) => ({ key, value, step })));
  if (points.length > 0) await api.logMetrics(tenant, run.id, points);
  if (end === 'schedule') await api.call(tenant, 'PATCH', `/api/v1/experiments/runs/${run.id}`, { status: 'scheduled' });
  else if (end !== undefined) await api.end(tenant, run.id, end);
  return api.run(tenant, run.id);
}

let churnAcme: string;

test('the daemon publishes a private discovery file, and its API wants the token', { skip, timeout: 60_000 }, async () => {
  const d = m.daemon;
  assert.equal(d.mode, 0o600, `discovery file ${d.path} has mode ${d.mode.toString(8)}`);
  assert.match(d.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(d.token.length >= 32, 'a long random token');
  assert.equal(d.activeTenant, 'default');
  // Without the token, or with another one, the API refuses; with it, it answers.
  assert.equal((await api.raw('GET', '/api/v1/experiments', { tenant: 'acme-corp', token: null })).status, 401);
  assert.equal((await api.raw('GET', '/api/v1/experiments', { tenant: 'acme-corp', token: 'not-the-token' })).status, 401);
  assert.deepEqual(await api.experiments('acme-corp'), []);
  // A fresh start: nothing to show, so the welcome content offers the first steps.
  const welcome = m.sidebar.welcome();
  await welcome.getByText('No experiments yet', { exact: false }).waitFor({ timeout: 15_000 });
  assert.ok(await welcome.getByRole('button', { name: 'Create Experiment' }).isVisible());
  await snap(m.editor, 'tree-01-welcome');
});

test('the tree shows tenants, experiments and runs created through the HTTP API', { skip, timeout: 120_000 }, async () => {
  const { sidebar } = m;
  // Two tenants, each with an experiment of the same name: the tree must keep them apart.
  const churn = await api.createExperiment('acme-corp', {
    name: 'churn-prediction-v2',
    description: 'Customer churn prediction with gradient boosting',
    tags: { team: 'data-science' },
  });
  churnAcme = churn.id;
  await seedRun('acme-corp', churn.id, 'xgboost-baseline', {
    params: { model: 'xgboost', max_depth: '6' },
    metrics: { accuracy: [0.81, 0.9412], val_loss: [0.4, 0.213] },
    tags: { dataset: 'churn-2024q4' },
    end: 'finish',
  });
  await seedRun('acme-corp', churn.id, 'xgboost-shallow', { params: { model: 'xgboost' }, metrics: { accuracy: [0.85] }, end: 'finish' });
  await seedRun('acme-corp', churn.id, 'lightgbm-tuned', { params: { model: 'lightgbm' }, metrics: { accuracy: [0.917] }, end: 'fail' });
  await seedRun('acme-corp', churn.id, 'catboost-trial', { end: 'kill' });
  await seedRun('acme-corp', churn.id, 'rf-training-now', { metrics: { accuracy: [0.5] } });
  await api.createExperiment('acme-corp', { name: 'fraud-detection' });
  const churnGlobex = await api.createExperiment('globex', { name: 'churn-prediction-v2' });
  await seedRun('globex', churnGlobex.id, 'globex-queued', { metrics: { val_loss: ['NaN'] }, end: 'schedule' });
  const longName = `quarterly-retention-uplift-model-with-a-deliberately-long-name-${'x'.repeat(40)}`;
  await api.createExperiment('globex', { name: longName, description: 'A long description that will not fit the sidebar '.repeat(3) });

  // The user refreshes the view (title bar) and finds both tenants next to the active one.
  await sidebar.titleAction('Refresh');
  await sidebar.row('Tenant acme-corp').waitFor({ timeout: 15_000 });
  const tenants = (await sidebar.labels()).filter((l) => l.startsWith('Tenant '));
  assert.deepEqual(tenants, ['Tenant default, active', 'Tenant acme-corp', 'Tenant globex']);
  assert.equal(await sidebar.welcome().isVisible(), false, 'the welcome content gives way to the tree');

  await sidebar.expand('Tenant acme-corp');
  await sidebar.row('Experiment fraud-detection').waitFor();
  await sidebar.expand('Experiment churn-prediction-v2');
  // Runs, newest first, each with its status icon and word.
  const expected: [string, RegExp, string][] = [
    ['rf-training-now', /, Running,/, 'sync'],
    ['catboost-trial', /, Killed,/, 'circle-slash'],
    ['lightgbm-tuned', /, Failed,/, 'error'],
    ['xgboost-shallow', /, Finished,/, 'pass'],
    ['xgboost-baseline', /, Finished,/, 'pass'],
  ];
  for (const [name, status, icon] of expected) {
    const row = await sidebar.find(new RegExp(`^Run ${name},`));
    assert.match((await row.getAttribute('aria-label')) ?? '', status, name);
    assert.equal(await sidebar.icon(row), icon, `${name}'s icon`);
  }
  const runOrder = (await sidebar.labels()).filter((l) => l.startsWith('Run ')).map((l) => l.split(',')[0]);
  assert.deepEqual(runOrder, expected.map(([n]) => `Run ${n}`), 'newest run first');

  // A run's details: params, the latest value of each metric (not the first step), user tags.
  await sidebar.expand(/^Run xgboost-baseline,/);
  await sidebar.row('Parameters 2').waitFor();
  await sidebar.row('Metrics 2').waitFor();
  await sidebar.row('Tags 1').waitFor();
  await sidebar.expand('Metrics 2');
  await sidebar.expand('Parameters 2');
  await sidebar.expand('Tags 1');
  for (const leaf of [/^accuracy 0\.9412\b/, /^val_loss 0\.213\b/, /^model xgboost\b/, /^max_depth 6\b/, /^dataset churn-2024q4\b/]) {
    await sidebar.find(leaf);
  }
  assert.equal(await sidebar.row(/^accuracy 0\.81\b/).count(), 0, 'the first step is not shown');
  await sidebar.contextMenu(/^accuracy 0\.9412\b/, 'Copy Value');
  await waitFor('the metric value on the clipboard', async () => (await clipboardText(m.page)) === '0.9412');
  assert.equal(await sidebar.row(/^mlflow\.runName/).count(), 0, 'system tags stay hidden');

  // An experiment without runs says so, and offers to create one.
  await sidebar.expand('Experiment fraud-detection');
  await sidebar.find(/^No runs yet/);
  await snap(m.editor, 'tree-02-acme-corp');

  // The other tenant's experiment of the same name holds only its own run.
  // Collapse acme-corp so the globex rows are the only ones of their names on screen.
  await (await sidebar.find('Tenant acme-corp')).click();
  await waitFor('acme-corp to collapse', async () => (await sidebar.row('Experiment fraud-detection').count()) === 0);
  await sidebar.expand('Tenant globex');
  await sidebar.expand('Experiment churn-prediction-v2');
  const queued = await sidebar.find(/^Run globex-queued, Scheduled/);
  assert.equal(await sidebar.icon(queued), 'clock');
  const globexRuns = (await sidebar.labels()).filter((l) => l.startsWith('Run '));
  assert.deepEqual(globexRuns.map((l) => l.split(',')[0]), ['Run globex-queued'], 'tenant isolation: no acme-corp runs under globex');
  await sidebar.expand(/^Run globex-queued,/);
  await sidebar.expand('Metrics 1');
  await sidebar.find(/^val_loss NaN\b/);
  await sidebar.find(`Experiment ${longName}`);
  await snap(m.editor, 'tree-03-globex-isolation-long-names');
});

test('the run filter: the daemon flags a bad one, a good one narrows the runs, clearing restores them; Order Runs', { skip, timeout: 90_000 }, async () => {
  assert.ok(churnAcme, 'needs the data of the previous test');
  const { sidebar, quick } = m;
  await sidebar.titleAction('Collapse All');
  await sidebar.expand('Tenant acme-corp');
  await sidebar.expand('Experiment churn-prediction-v2');
  const allRuns = async () => (await sidebar.labels()).filter((l) => l.startsWith('Run ')).map((l) => l.split(',')[0]!.slice(4));
  await waitFor('the five runs', async () => (await allRuns()).length === 5);

  await sidebar.contextMenu('Experiment churn-prediction-v2', 'Filter Runs…');
  await quick.waitForTitle('Filter Runs of "churn-prediction-v2"');
  assert.match(await quick.message(), /MLflow filter syntax/);
  // A bad filter: the input shows the daemon's own message, word for word what its API says.
  const bad = 'metrics.accuracy >> 0.9';
  const shown = await quick.fillAndExpectMessage(bad, /^Invalid filter/);
  assert.ok(await quick.showsError(), 'the input is marked as an error');
  const fromApi = await api.raw('GET', `/api/v1/experiments/${churnAcme}/runs?filter=${encodeURIComponent(bad)}`, { tenant: 'acme-corp' });
  assert.equal(fromApi.status, 400);
  assert.equal(shown, fromApi.body.error.message);
  await snap(m.editor, 'filter-01-invalid');
  // Enter does not accept it.
  await quick.input.press('Enter');
  await quick.waitForTitle('Filter Runs of');
  assert.equal(await quick.input.inputValue(), bad);

  // A good one narrows the runs to what the daemon's API answers for it.
  const good = "metrics.accuracy > 0.9 and params.model = 'xgboost'";
  await quick.answer('Filter Runs of', good);
  const expected = (await api.runs('acme-corp', churnAcme, { filter: good })).map((r) => r.name);
  assert.deepEqual(expected, ['xgboost-baseline']);
  await waitFor(`the runs to narrow to ${expected}`, async () => JSON.stringify(await allRuns()) === JSON.stringify(expected));
  const filtered = await sidebar.find(/^Experiment churn-prediction-v2, runs filtered$/);
  assert.equal(await sidebar.icon(filtered), 'filter');
  assert.match(await filtered.innerText(), /filter: metrics\.accuracy > 0\.9/);
  await snap(m.editor, 'filter-02-narrowed');

  // Cleared from the context menu: every run is back.
  await sidebar.contextMenu(/^Experiment churn-prediction-v2, runs filtered$/, 'Clear Run Filter and Order');
  await waitFor('all five runs back', async () => (await allRuns()).length === 5);
  assert.equal(await sidebar.icon(await sidebar.find('Experiment churn-prediction-v2')), 'beaker');

  // A filter nothing matches: the empty state says so and clears the filter when clicked.
  await sidebar.contextMenu('Experiment churn-prediction-v2', 'Filter Runs…');
  await quick.answer('Filter Runs of', "params.model = 'no-such-model'");
  const none = await sidebar.find(/^No runs match the filter/);
  await snap(m.editor, 'filter-03-no-match');
  await none.click();
  await waitFor('all five runs back after the empty-state click', async () => (await allRuns()).length === 5);

  // Order Runs: best accuracy first, as the daemon orders them; runs without the metric last.
  await sidebar.contextMenu('Experiment churn-prediction-v2', 'Order Runs…');
  await quick.choose('Order Runs of "churn-prediction-v2"', /^accuracy — highest first/);
  const byAccuracy = (await api.runs('acme-corp', churnAcme, { order_by: 'metrics.accuracy DESC' })).map((r) => r.name);
  assert.equal(byAccuracy.at(-1), 'catboost-trial');
  await waitFor(`the runs ordered ${byAccuracy}`, async () => JSON.stringify(await allRuns()) === JSON.stringify(byAccuracy));
  assert.match(await (await sidebar.find(/^Experiment churn-prediction-v2, runs filtered$/)).innerText(), /order: metrics\.accuracy DESC/);
  await snap(m.editor, 'filter-04-ordered');
  await sidebar.contextMenu(/^Experiment churn-prediction-v2, runs filtered$/, 'Clear Run Filter and Order');
  await sidebar.find('Experiment churn-prediction-v2');
});

test('an experiment with 250 runs pages them with "Load more…"', { skip, timeout: 120_000 }, async (t) => {
  const started = Date.now();
  const { sidebar } = m;
  const tenant = 'paging-lab';
  const experiment = await api.createExperiment(tenant, { name: 'hyperparameter-sweep' });
  // A sweep that ran over the last few hours, one short trial a minute.
  const base = Date.now() - 250 * 60_000;
  const names = Array.from({ length: 250 }, (_, i) => `trial-${String(i).padStart(3, '0')}`);
  for (let i = 0; i < names.length; i += 25) {
    await Promise.all(
      names.slice(i, i + 25).map(async (name, k) => {
        const start = base + (i + k) * 60_000;
        const run = await api.createRun(tenant, { experiment_id: experiment.id, name, start_time: start });
        await api.end(tenant, run.id, 'finish', start + 42_000);
      }),
    );
  }
  assert.equal((await api.runs(tenant, experiment.id)).length, 250);
  t.diagnostic(`250 runs made through the API in ${Date.now() - started} ms`);

  await sidebar.titleAction('Collapse All');
  await sidebar.titleAction('Refresh');
  await sidebar.expand(`Tenant ${tenant}`);
  await sidebar.expand('Experiment hyperparameter-sweep');
  await sidebar.find(/^Run trial-249,/);
  // The first page: 100 runs (the default page size), newest first, then "Load more…".
  const more = await sidebar.find(/^Load more…/);
  assert.match((await more.getAttribute('aria-label')) ?? '', /100 runs shown/);
  assert.equal(await sidebar.row(/^Run trial-149,/).count(), 0, 'the second page is not loaded yet');
  assert.ok(await sidebar.row(/^Run trial-150,/).count(), 'the last run of the first page is right above "Load more…"');
  await snap(m.editor, 'paging-01-first-page');

  await more.click();
  await sidebar.find(/^Run trial-149,/);
  const more2 = await sidebar.find(/^Load more… 200 runs shown/);
  await more2.click();
  await sidebar.find(/^Run trial-000,/);
  await waitFor('"Load more…" to go once all 250 runs are shown', async () => (await sidebar.row(/^Load more…/).count()) === 0);
  await snap(m.editor, 'paging-02-all-loaded');
  assert.doesNotMatch(matihLog(m.editor), /\[error\]/, 'no errors in the extension log');
});
