/**
 * The Runs table and Run details panels in a real editor: an experiment with 320 runs (params,
 * metrics with a short history, tags; one hostile name and one long one) seeded through the
 * daemon's MLflow-compatible API; the table opened from the experiment's context menu loads every
 * row; sorting by a metric header puts the best run on top (the daemon orders it); an MLflow
 * filter narrows the rows to the ones the API says match, a broken one shows the daemon's message
 * as text; a double-click opens the run's details with its params and metric charts; the table
 * comes back after being hidden. Screenshots under test-results/e2e/. One code-server start.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { type Matih, e2eSkip, snap, startMatih, waitFor } from './support/matih.ts';

const skip = e2eSkip();
let m: Matih;
let experimentId: string;
const TENANT = 'default';
const EXPERIMENT = 'churn-sweep';
const RUNS = 320;
const HOSTILE = '"><img src=x onerror=alert(1)>';
const LONG = 'xgboost-depth-6-eta-0.05-subsample-0.8-colsample-0.7-with-a-name-far-too-long-for-its-column';

/** Accuracy of run `i`: distinct for every run, highest for i = 137. */
const accuracy = (i: number): number => (i === 137 ? 0.99 : Math.round((0.5 + 0.45 * ((i * 7919) % RUNS) / RUNS) * 10_000) / 10_000);
const nameOf = (i: number): string => (i === 5 ? HOSTILE : i === 9 ? LONG : `run-${String(i).padStart(3, '0')}`);

async function mlflow(path: string, body: unknown): Promise<any> {
  const response = await fetch(`${m.daemon.url}/tenants/${TENANT}/api/2.0/mlflow/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${m.daemon.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${path} answered ${response.status}: ${text}`);
  return text === '' ? {} : JSON.parse(text);
}

async function seedRun(i: number): Promise<void> {
  const start = Date.now() - (RUNS - i) * 60_000;
  const { run } = await mlflow('runs/create', { experiment_id: experimentId, run_name: nameOf(i), start_time: start, tags: [{ key: 'team', value: i % 2 ? 'vision' : 'tabular' }] });
  const runId = run.info.run_id as string;
  const acc = accuracy(i);
  await mlflow('runs/log-batch', {
    run_id: runId,
    params: [
      { key: 'lr', value: String([0.1, 0.03, 0.01, 0.003][i % 4]) },
      { key: 'max_depth', value: String(3 + (i % 5)) },
    ],
    metrics: [0, 1, 2, 3, 4].flatMap((step) => [
      { key: 'accuracy', value: acc - (4 - step) * 0.02, timestamp: start + step * 1000, step },
      { key: 'loss', value: (1 - acc) * (1 + (4 - step) * 0.3), timestamp: start + step * 1000, step },
    ]),
  });
  await mlflow('runs/update', { run_id: runId, status: i % 10 === 3 ? 'FAILED' : 'FINISHED', end_time: start + 5000 + (i % 17) * 13_000 });
}

/** The webview frame whose page has `selector` (code-server nests each webview in an iframe). */
async function panelFrame(selector: string): Promise<Frame> {
  return waitFor(`a webview frame with ${selector}`, async () => {
    for (const frame of m.page.frames()) {
      if (frame === m.page.mainFrame() || frame.isDetached()) continue;
      const found = await frame.evaluate((s) => (globalThis as any).document.querySelector(s) !== null, selector).catch(() => false);
      if (found) return frame;
    }
    return undefined;
  }, { timeoutMs: 30_000 });
}

const countText = (frame: Frame) => frame.locator('.count').textContent();
const pinnedNames = (frame: Frame) => frame.locator('.grid-window .row').evaluateAll((rows) => rows.map((r) => r.querySelector('.cell')?.textContent ?? ''));

before(async () => {
  if (skip) return;
  m = await startMatih();
  console.log(`editor up (seconds): ${JSON.stringify(m.editor.timings)}`);
  experimentId = (await m.api.createExperiment(TENANT, { name: EXPERIMENT, description: 'A hyper-parameter sweep' })).id;
  const t0 = Date.now();
  for (let i = 0; i < RUNS; i += 16) await Promise.all(Array.from({ length: Math.min(16, RUNS - i) }, (_, k) => seedRun(i + k)));
  console.log(`seeded ${RUNS} runs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}, { timeout: 300_000 });

after(async () => {
  await m?.editor.close();
});

test('the runs table opens from the experiment, loads every run, sorts by a metric and filters in MLflow syntax', { skip, timeout: 180_000 }, async () => {
  await m.sidebar.titleAction('Refresh');
  await m.sidebar.contextMenu(`Experiment ${EXPERIMENT}`, 'Open Runs Table');
  await m.page.locator('.tabs-container .tab', { hasText: `Runs: ${EXPERIMENT}` }).first().waitFor({ timeout: 15_000 });
  const frame = await panelFrame('.grid');
  await waitFor(`"${RUNS} runs"`, async () => (await countText(frame)) === `${RUNS} runs`, { timeoutMs: 30_000 });
  // Newest first by default; a few rows only in the DOM; the hostile name is text.
  assert.equal((await pinnedNames(frame))[0], nameOf(RUNS - 1));
  assert.ok((await frame.locator('.grid-window .row').count()) < 80);
  assert.equal(await frame.locator('img').count(), 0);
  await snap(m.editor, 'runs-table-01-loaded');

  // Sort by accuracy (descending on the first click): the daemon orders, the best run is first.
  await frame.locator('.grid-header button.sort', { hasText: /accuracy$/ }).click();
  await waitFor('run-137 on top', async () => (await pinnedNames(frame))[0] === nameOf(137), { timeoutMs: 20_000 });
  assert.equal(await frame.locator('[aria-sort=descending] .label').textContent(), 'accuracy');
  const shown = await frame.locator('.grid-window .row').evaluateAll((rows) => rows.slice(0, 5).map((r) => r.getAttribute('aria-rowindex')));
  assert.deepEqual(shown, ['2', '3', '4', '5', '6']);
  await waitFor(`"${RUNS} runs" after the sort`, async () => (await countText(frame)) === `${RUNS} runs`);
  await snap(m.editor, 'runs-table-02-sorted');

  // A broken filter: the daemon's message, as text, and the rows stay.
  const input = frame.locator('.filter-input');
  await input.fill('metrics.accuracy >> 0.9');
  await input.press('Enter');
  const problem = await waitFor('the filter error', async () => {
    const t = (await frame.locator('.filter-status.error').textContent().catch(() => '')) ?? '';
    return t.length > 0 ? t : undefined;
  });
  assert.match(problem, /filter/i);
  assert.equal(await countText(frame), `${RUNS} runs`);
  await snap(m.editor, 'runs-table-03-bad-filter');

  // A good one: exactly the runs the API says match.
  const expected = (await m.api.runs(TENANT, experimentId, { filter: 'metrics.accuracy > 0.9 and params.lr = "0.03"' })).length;
  assert.ok(expected > 0 && expected < RUNS, `expected ${expected}`);
  await input.fill('metrics.accuracy > 0.9 and params.lr = "0.03"');
  await input.press('Enter');
  await waitFor(`"${expected} runs"`, async () => (await countText(frame)) === `${expected} ${expected === 1 ? 'run' : 'runs'}`, { timeoutMs: 20_000 });
  assert.equal(await frame.locator('.filter-status.error').count(), 0);
  assert.equal((await pinnedNames(frame))[0], nameOf(137));
  await snap(m.editor, 'runs-table-04-filtered');
});

test('a double-click opens Run details with params and metric charts; the table survives being hidden', { skip, timeout: 120_000 }, async () => {
  const table = await panelFrame('.grid');
  await table.locator('.grid-window .row').first().dblclick();
  await m.page.locator('.tabs-container .tab', { hasText: `Run: ${nameOf(137)}` }).first().waitFor({ timeout: 15_000 });
  const details = await panelFrame('.overview');
  await waitFor('the run title', async () => (await details.locator('h1.title').textContent()) === nameOf(137));
  assert.deepEqual(await details.locator('.kv th.key').allTextContents(), ['lr', 'max_depth', 'team']);
  await details.locator('.chart canvas').first().waitFor({ timeout: 20_000 });
  const lossRow = details.locator('tr', { has: details.locator('th.key', { hasText: /^loss$/ }) });
  await waitFor('the loss points count', async () => (await lossRow.locator('td.numeric').last().textContent()) === '5 points');
  assert.equal(await details.locator('img').count(), 0);
  await snap(m.editor, 'runs-table-05-run-details');

  // Back to the table tab: its page was torn down while hidden and comes back with its rows,
  // its sort and its filter.
  await m.page.locator('.tabs-container .tab', { hasText: `Runs: ${EXPERIMENT}` }).first().click();
  const again = await panelFrame('.grid');
  await waitFor('the restored rows', async () => (await pinnedNames(again))[0] === nameOf(137), { timeoutMs: 20_000 });
  assert.equal(await again.locator('.filter-input').inputValue(), 'metrics.accuracy > 0.9 and params.lr = "0.03"');
  assert.equal(await again.locator('[aria-sort=descending] .label').textContent(), 'accuracy');
});

test('the runs table opens from the palette; rows are selected, compared and opened by keyboard', { skip, timeout: 120_000 }, async () => {
  await m.quick.command('MATIH: Open Runs Table');
  await m.quick.choose('Open Runs Table', new RegExp(EXPERIMENT));
  const frame = await panelFrame('.grid');
  await frame.locator('.grid').focus();
  await m.page.keyboard.press('ArrowDown');
  await m.page.keyboard.press('Shift+ArrowDown');
  await waitFor('2 selected', async () => /· 2 selected$/.test((await countText(frame)) ?? ''));
  await snap(m.editor, 'runs-table-06-keyboard-selection');
  // Compare the two selected rows: the Compare Runs panel opens on them.
  await frame.getByRole('button', { name: 'Compare 2' }).click();
  await m.page.locator('.tabs-container .tab', { hasText: 'Compare Runs' }).first().waitFor({ timeout: 15_000 });
  await m.page.locator('.tabs-container .tab', { hasText: `Runs: ${EXPERIMENT}` }).first().click();
  const back = await panelFrame('.grid');
  await waitFor('the rows back', async () => (await back.locator('.grid-window .row').count()) > 0, { timeoutMs: 20_000 });
  await back.locator('.grid').focus();
  await m.page.keyboard.press('End');
  await waitFor('the last row focused', async () => (await back.locator('.grid-window .row.focused').count()) === 1);
  await m.page.keyboard.press('Enter');
  await m.page.locator('.tabs-container .tab', { hasText: /^Run: / }).first().waitFor({ timeout: 15_000 });
});
