/**
 * The built Runs table bundle in headless Chromium under the panel's own CSP, with a fake
 * `acquireVsCodeApi` standing in for the editor: 10 000 rows (hostile names, params, tags and
 * metric keys among them) arrive in pages; only a screenful of rows is in the DOM however far it
 * scrolls; headers sort (by the daemon or in the page), the filter box validates and applies,
 * selection and the keyboard drive Compare and Run details, pinned columns stay put while the
 * table scrolls sideways, and malformed messages are dropped. Screenshots in test-results/webviews/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunsTableRow } from '../../protocol/src/index.ts';
import { chromiumSkip } from './chromium-host.ts';
import { OUT, startHarness } from './runs-table-harness.ts';
import type { Harness, PanelPage } from './runs-table-harness.ts';

const HOSTILE = '"><img src=x onerror=alert(1)></script><script>alert(2)</script>';
const HOSTILE_KEY = '<img src=x onerror=alert(3)>';
const skip = chromiumSkip('runs-table');
const CONTEXT = { tenant: 'acme', experimentId: '7', experimentName: `churn ${HOSTILE}` };
const QUERY = { filter: '', sort: null };

function makeRow(i: number): RunsTableRow {
  return {
    id: `run${String(i).padStart(5, '0')}`,
    name: i === 3 ? HOSTILE : i === 5 ? 'a very long run name that does not fit in its column at all, not even close' : `run-${i}`,
    status: (['finished', 'failed', 'running', 'killed'] as const)[i % 4]!,
    archived: i === 7,
    startTime: 1_700_000_000_000 + i * 1000,
    endTime: i % 4 === 2 ? null : 1_700_000_000_000 + i * 1000 + ((i * 7919) % 5000) * 1000,
    user: i % 3 === 0 ? 'ada' : 'bob',
    params: { lr: String(0.001 * (1 + (i % 10))), [HOSTILE_KEY]: HOSTILE },
    metrics: { accuracy: (i % 100) / 100, loss: 1 / (1 + i), [HOSTILE_KEY]: i },
    tags: { team: i % 2 ? 'vision' : HOSTILE, 'mlflow.user': 'ada' },
  };
}

const columns = { params: ['lr', HOSTILE_KEY], metrics: ['accuracy', 'loss', HOSTILE_KEY], tags: ['team', 'mlflow.user'] };

async function load(p: PanelPage, total: number, generation = 1): Promise<void> {
  await p.send({ type: 'reset', generation, query: QUERY });
  for (let start = 0; start < total; start += 1000) {
    const rows = Array.from({ length: Math.min(1000, total - start) }, (_, i) => makeRow(start + i));
    await p.send({ type: "rows", generation, rows, columns, done: start + 1000 >= total });
  }
}

/** Waits until `read` answers `want`; fails naming what it waited for and the last answer. */
async function poll(what: string, read: () => Promise<string>, want: string): Promise<void> {
  let last = '';
  for (let i = 0; i < 100; i++) {
    last = await read();
    if (last === want) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`${what}: wanted ${want}, last saw ${last}`);
}

const rowCount = (p: PanelPage) => p.page.locator('.grid-window .row').count();
const count = (p: PanelPage) => p.page.locator('.count').textContent();
const firstNames = (p: PanelPage, n: number) => p.page.locator('.grid-window .row .cell.pinned').evaluateAll((els, k) => els.slice(0, k as number).map((e) => e.textContent), n);

describe('Runs table panel in Chromium', { skip }, () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness();
    mkdirSync(OUT, { recursive: true });
  });
  after(async () => harness?.close());

  it('shows 10 000 rows with only a screenful in the DOM, user data as text, under the CSP', async () => {
    const p = await harness.open('runs-table');
    assert.deepEqual(await p.waitForSent('ready'), { type: 'ready' });
    await p.send({ type: 'init', context: CONTEXT, query: QUERY });
    await load(p, 10_000);
    await p.page.waitForFunction(() => (globalThis as any).document.querySelector('.count')?.textContent === '10,000 runs');
    assert.ok((await rowCount(p)) < 80, `rows in the DOM: ${await rowCount(p)}`);
    assert.equal(await p.page.locator('.title-name').textContent(), CONTEXT.experimentName);
    assert.equal(await p.page.locator('img').count(), 0);
    const names = await firstNames(p, 8);
    assert.equal(names[3], HOSTILE);
    assert.ok((await p.page.locator('.grid-header .label').allTextContents()).includes(HOSTILE_KEY));
    assert.ok((await p.page.locator('.grid-window .cell').allTextContents()).includes(HOSTILE));
    await p.page.screenshot({ path: join(OUT, 'runs-table.png') });

    // Scroll to the end: the last rows show, the DOM still holds a screenful.
    await p.page.locator('.grid').evaluate((g) => (g.scrollTop = g.scrollHeight));
    await p.page.waitForFunction(() => [...(globalThis as any).document.querySelectorAll('.grid-window .row .cell.pinned')].some((c: any) => c.textContent === 'run-9999'));
    assert.ok((await rowCount(p)) < 80);
    assert.deepEqual(p.problems, []);
    await p.page.close();
  });

  it('sorts by the daemon for metrics (asks for a reload) and in the page for duration', async () => {
    const p = await harness.open('runs-table');
    await p.waitForSent('ready');
    await p.send({ type: 'init', context: CONTEXT, query: QUERY });
    await load(p, 300);
    const before = (await p.sent()).length;
    await p.page.locator('.grid-header button.sort', { hasText: /^Maccuracy$/ }).click();
    const query = await p.waitForSent('query', before);
    assert.deepEqual(query, { type: 'query', query: { filter: '', sort: { column: { kind: 'metric', key: 'accuracy' }, descending: true } } });
    assert.equal(await p.page.locator('[aria-sort=descending]').count(), 1);

    // The reload for the new order keeps the columns and the sideways scroll where they were.
    const left = await p.page.locator('.grid').evaluate((g) => ((g.scrollLeft = 1e6), g.scrollLeft));
    assert.ok(left > 100, `scrolled fully right: ${left}`);
    const sorted = { filter: '', sort: { column: { kind: 'metric', key: 'accuracy' }, descending: true } };
    await p.send({ type: 'reset', generation: 2, query: sorted });
    // A frame or two without rows, as while the daemon answers.
    await p.page.waitForTimeout(150);
    await p.send({ type: 'rows', generation: 2, rows: Array.from({ length: 300 }, (_, i) => makeRow(299 - i)), columns, done: true });
    await p.page.waitForTimeout(100);
    assert.equal(await p.page.locator('.grid').evaluate((g) => g.scrollLeft), left);
    assert.equal((await firstNames(p, 1))[0], 'run-299');

    // Duration: MLflow cannot order by it; the page sorts the loaded rows at once.
    await p.send({ type: 'reset', generation: 3, query: QUERY });
    await p.send({ type: 'rows', generation: 3, rows: Array.from({ length: 300 }, (_, i) => makeRow(i)), columns, done: true });
    await p.page.locator('.grid-header button.sort', { hasText: /^Duration$/ }).click();
    await p.page.waitForFunction(() => (globalThis as any).document.querySelector('.note')?.textContent.startsWith('Sorted in the panel'));
    // Running runs (no end) have the longest durations "so far": they come first, descending.
    const statuses = await p.page.locator('.grid-window .row .cell.status').evaluateAll((els) => els.slice(0, 3).map((e) => e.textContent));
    assert.deepEqual(statuses, ['Running', 'Running', 'Running']);
    assert.deepEqual(p.problems, []);
    await p.page.close();
  });

  it('validates and applies an MLflow filter; errors are text; empty results say so', async () => {
    const p = await harness.open('runs-table');
    await p.waitForSent('ready');
    await p.send({ type: 'init', context: CONTEXT, query: QUERY });
    await load(p, 50);
    const input = p.page.locator('.filter-input');
    await input.fill('metrics.accuracy >');
    const check = await p.waitForSent('validateFilter');
    assert.deepEqual(check, { type: 'validateFilter', filter: 'metrics.accuracy >' });
    await p.send({ type: 'filterStatus', filter: 'metrics.accuracy >', ok: false, message: `Invalid filter ${HOSTILE}` });
    await p.page.locator('.filter-status.error').waitFor();
    assert.equal(await p.page.locator('.filter-status').textContent(), `Invalid filter ${HOSTILE}`);
    assert.equal(await p.page.locator('img').count(), 0);

    await input.fill('metrics.accuracy > 2');
    const before = (await p.sent()).length;
    await input.press('Enter');
    assert.deepEqual(await p.waitForSent('query', before), { type: 'query', query: { filter: 'metrics.accuracy > 2', sort: null } });
    await p.send({ type: 'reset', generation: 2, query: { filter: 'metrics.accuracy > 2', sort: null } });
    await p.send({ type: 'rows', generation: 2, rows: [], columns: { params: [], metrics: [], tags: [] }, done: true });
    await p.page.locator('.empty:not(.hidden)').waitFor();
    assert.equal(await p.page.locator('.empty p').textContent(), 'No runs match the filter.');
    await p.page.screenshot({ path: join(OUT, 'runs-table-no-match.png') });
    assert.deepEqual(p.problems, []);
    await p.page.close();
  });

  it('selects with click, shift-click and the keyboard; Compare and Enter post the runs', async () => {
    const p = await harness.open('runs-table');
    await p.waitForSent('ready');
    await p.send({ type: 'init', context: CONTEXT, query: QUERY });
    await load(p, 200);
    const rows = p.page.locator('.grid-window .row');
    await rows.nth(0).click();
    await rows.nth(3).click({ modifiers: ['Shift'] });
    await rows.nth(6).click({ modifiers: ['Control'] });
    assert.match((await count(p)) ?? '', /200 runs · 5 selected/);
    const before = (await p.sent()).length;
    await p.page.getByRole('button', { name: 'Compare 5' }).click();
    assert.deepEqual(await p.waitForSent('compare', before), { type: 'compare', runIds: ['run00000', 'run00001', 'run00002', 'run00003', 'run00006'] });

    // Keyboard: the grid has focus after a click on a row; arrows move, Shift extends, Enter opens.
    await rows.nth(7).click();
    await p.page.keyboard.press('ArrowDown');
    await p.page.keyboard.press('Shift+ArrowDown');
    assert.match((await count(p)) ?? '', /2 selected/);
    const mark = (await p.sent()).length;
    await p.page.keyboard.press('Enter');
    assert.deepEqual(await p.waitForSent('openRun', mark), { type: 'openRun', runId: 'run00009' });
    await rows.nth(2).dblclick();
    assert.deepEqual(await p.waitForSent('openRun', mark + 1), { type: 'openRun', runId: 'run00002' });
    // The page state keeps the selection for a restore (saved a moment later).
    await poll('the saved selection', async () => JSON.stringify(((await p.state()) as { selected: string[] }).selected), '["run00002"]');
    await p.page.keyboard.press('Control+a');
    assert.match((await count(p)) ?? '', /200 selected/);
    assert.deepEqual(p.problems, []);
    await p.page.close();
  });

  it('pins a column from the picker; pinned cells stay left while the table scrolls sideways', async () => {
    const p = await harness.open('runs-table', { viewport: { width: 800, height: 600 } });
    await p.waitForSent('ready');
    await p.send({ type: 'init', context: CONTEXT, query: QUERY });
    await load(p, 100);
    await p.page.getByRole('button', { name: 'Columns…' }).click();
    await p.page.getByRole('dialog', { name: 'Columns' }).waitFor();
    await p.page.locator('.picker-search').fill('loss');
    await p.page.getByRole('button', { name: 'Pin loss' }).click();
    await p.page.screenshot({ path: join(OUT, 'runs-table-picker.png') });
    await p.page.keyboard.press('Escape');
    const pinned = await p.page.locator('.grid-header .cell.pinned .label').allTextContents();
    assert.deepEqual(pinned, ['Run', 'loss']);
    const x = () => p.page.locator('.grid-window .row').first().locator('.cell.pinned').nth(1).evaluate((c) => c.getBoundingClientRect().left);
    const x0 = await x();
    await p.page.locator('.grid').evaluate((g) => (g.scrollLeft = 600));
    await p.page.waitForTimeout(100);
    assert.equal(await x(), x0);
    const state = (await p.state()) as { layout: { pinned: string[] } };
    assert.deepEqual(state.layout.pinned, ['attr:name', 'metric:loss']);
    await p.page.screenshot({ path: join(OUT, 'runs-table-scrolled.png') });

    // A restored page starts from that state and offers its query back in `ready`.
    const again = await harness.open('runs-table', { state, viewport: { width: 800, height: 600 } });
    const ready = await again.waitForSent('ready');
    assert.deepEqual(ready, { type: 'ready', query: QUERY });
    await again.send({ type: 'init', context: CONTEXT, query: QUERY });
    await load(again, 100);
    await poll('the restored pinned columns', async () => JSON.stringify(await again.page.locator('.grid-header .cell.pinned .label').allTextContents()), '["Run","loss"]');
    assert.deepEqual([...p.problems, ...again.problems], []);
    await p.page.close();
    await again.page.close();
  });

  it('drops malformed and stale messages, and renders with a fresh nonce each time', async () => {
    const p = await harness.open('runs-table');
    await p.waitForSent('ready');
    await p.send({ type: 'init', context: CONTEXT, query: QUERY });
    await load(p, 20);
    await p.send({ type: 'rows', generation: 1, rows: [{ ...makeRow(99), html: '<img src=x onerror=alert(5)>' }], columns, done: true });
    await p.send({ type: 'html', html: '<img src=x onerror=alert(6)>' });
    await p.send({ type: 'rows', generation: 0, rows: [makeRow(98)], columns, done: true });
    await p.send({ type: 'init', context: { ...CONTEXT, tenant: '../other' }, query: QUERY });
    await p.page.waitForTimeout(100);
    assert.equal(p.warnings.filter((w) => /ignored a malformed message/.test(w)).length, 3);
    assert.equal(await count(p), '20 runs');
    assert.equal(await p.page.locator('img').count(), 0);
    assert.deepEqual(p.problems, []);
    await p.page.close();
    assert.ok(harness.nonces.length >= 2);
    assert.equal(new Set(harness.nonces).size, harness.nonces.length);
  });
});
