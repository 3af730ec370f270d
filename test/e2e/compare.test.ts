/**
 * Compare Runs in a real editor: two runs with different params and curves, seeded through the
 * daemon's API, selected together in the sidebar and compared from the context menu. The panel
 * shows both runs' curves in the loss chart (both colours on its canvas), the params that differ
 * (and the ones that do not only when asked), the best run; it comes back after being hidden;
 * the palette's multi-select pick reaches the same panel. One code-server start for the file.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { type Matih, e2eSkip, snap, startMatih, waitFor } from './support/matih.ts';

const skip = e2eSkip();
let m: Matih;
let tenant: string;
const EXPERIMENT = 'compare-probe';
const RUN_A = 'cmp-adam-lr0.1';
const RUN_B = 'cmp-sgd-lr0.01-with-a-rather-long-name-for-the-legend';
const STEPS = 400;
const lossA = (s: number): number => Math.round((1.6 * Math.exp(-s / 60) + 0.08) * 1e4) / 1e4;
const lossB = (s: number): number => Math.round((1.4 * Math.exp(-s / 150) + 0.2) * 1e4) / 1e4;

before(async () => {
  if (skip) return;
  m = await startMatih();
  console.log(`editor up (seconds): ${JSON.stringify(m.editor.timings)}`);
  tenant = m.daemon.activeTenant || 'default';
  const experiment = await m.api.createExperiment(tenant, { name: EXPERIMENT, description: 'Compare Runs e2e' });
  for (const [name, params, loss] of [
    [RUN_A, { lr: '0.1', optimizer: 'adam', seed: '42' }, lossA],
    [RUN_B, { lr: '0.01', optimizer: 'sgd', seed: '42' }, lossB],
  ] as const) {
    const run = await m.api.createRun(tenant, { experiment_id: experiment.id, name });
    await m.api.logParams(tenant, run.id, params);
    const steps = Array.from({ length: STEPS }, (_, s) => s);
    for (let i = 0; i < steps.length; i += 200) {
      const batch = steps.slice(i, i + 200);
      await m.api.logMetrics(tenant, run.id, [
        ...batch.map((s) => ({ key: 'loss', value: loss(s), step: s })),
        ...batch.map((s) => ({ key: 'accuracy', value: 1 - loss(s) / 2, step: s })),
      ]);
    }
    await m.api.end(tenant, run.id, 'finish');
  }
}, { timeout: 240_000 });

after(async () => {
  await m?.editor.close();
});

/** The webview frame holding the Compare Runs page. */
async function compareFrame(): Promise<Frame> {
  return waitFor('the Compare Runs webview frame', async () => {
    for (const frame of m.page.frames()) {
      if (frame === m.page.mainFrame() || frame.isDetached()) continue;
      const found = await frame.evaluate(() => (globalThis as any).document.querySelector('.params-section') !== null).catch(() => false);
      if (found) return frame;
    }
    return undefined;
  }, { timeoutMs: 20_000 });
}

/** The chart card of a metric key. */
function card(frame: Frame, key: string) {
  return frame.locator('section.chart', { has: frame.locator('.chart-key', { hasText: new RegExp(`^${key}$`) }) });
}

/** Per run (legend order), canvas pixels of the chart near that run's colour. */
async function colourCounts(frame: Frame, key: string): Promise<number[]> {
  return frame.evaluate((metric) => {
    const doc = (globalThis as any).document;
    const swatches = [...doc.querySelectorAll('.legend .swatch')].map((s: any) => (globalThis as any).getComputedStyle(s).backgroundColor as string);
    const rgb = swatches.map((c) => (c.match(/\d+/g) ?? []).slice(0, 3).map(Number));
    const section = [...doc.querySelectorAll('section.chart')].find((s: any) => s.querySelector('.chart-key')?.textContent === metric);
    const canvas = section.querySelector('canvas');
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data as Uint8ClampedArray;
    const counts = rgb.map(() => 0);
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3]! < 200) continue;
      rgb.forEach((c, k) => {
        if (Math.abs(data[i]! - c[0]!) + Math.abs(data[i + 1]! - c[1]!) + Math.abs(data[i + 2]! - c[2]!) < 40) counts[k]!++;
      });
    }
    return counts;
  }, key);
}

/** Waits until the loss chart shows min / max / last of both runs (its curves have arrived). */
async function waitForCurves(frame: Frame): Promise<void> {
  const last = (v: number) => String(Number(v.toPrecision(4)));
  await waitFor('the loss curves of both runs', async () => {
    const rows = await card(frame, 'loss').locator('table.stats tbody tr').allInnerTexts();
    return rows.length === 2 && rows[0]!.includes(last(lossA(STEPS - 1))) && rows[1]!.includes(last(lossB(STEPS - 1))) && !rows.join('').includes('–');
  }, { timeoutMs: 20_000 });
}

test('select two runs in the sidebar, Compare Runs: both curves and the differing params', { skip, timeout: 180_000 }, async () => {
  const { sidebar, page } = m;
  await sidebar.titleAction('Refresh');
  await sidebar.expand(new RegExp(`^Experiment ${EXPERIMENT}`));
  const a = await sidebar.find(new RegExp(`^Run ${RUN_A},`));
  await a.click();
  const b = await sidebar.find(new RegExp(`^Run ${RUN_B},`));
  await b.click({ modifiers: ['Control'] });
  await waitFor('both runs selected', async () => (await a.getAttribute('aria-selected')) === 'true' && (await b.getAttribute('aria-selected')) === 'true');
  await sidebar.contextMenu(new RegExp(`^Run ${RUN_B},`), 'Compare Runs…');

  await page.locator('.tabs-container .tab', { hasText: 'Compare 2 runs' }).first().waitFor({ timeout: 15_000 });
  const frame = await compareFrame();
  await waitForCurves(frame);

  assert.deepEqual(await frame.locator('.legend .run-name').allTextContents(), [RUN_A, RUN_B]);
  assert.equal(await frame.locator('h1').textContent(), 'Compare 2 runs');
  // Only what differs, by default: lr and optimizer, not seed.
  assert.deepEqual(await frame.locator('table.params tbody th').allTextContents(), ['lr', 'optimizer']);
  assert.deepEqual(await frame.locator('table.params tbody tr').first().locator('td').allTextContents(), ['0.1', '0.01']);
  assert.equal(await frame.locator('.table-note').textContent(), '2 of 3 params differ.');

  // Two series in the loss chart: both runs' colours are drawn on its canvas.
  await page.waitForTimeout(200);
  const counts = await colourCounts(frame, 'loss');
  assert.ok(counts.length === 2 && counts[0]! > 40 && counts[1]! > 40, `pixels per run colour in the loss chart: ${counts}`);
  // loss is guessed "lower is better": run A ends lower.
  assert.deepEqual(await card(frame, 'loss').locator('tr.best .run-name').allTextContents(), [RUN_A]);
  assert.deepEqual(await card(frame, 'accuracy').locator('tr.best .run-name').allTextContents(), [RUN_A]);
  assert.deepEqual(await frame.locator('.chart-key').allTextContents(), ['accuracy', 'loss']);
  await snap(m.editor, 'compare-01-two-runs');

  await frame.getByLabel('Only what differs').uncheck();
  assert.deepEqual(await frame.locator('table.params tbody th').allTextContents(), ['lr', 'optimizer', 'seed']);
  await frame.getByLabel('X axis').selectOption('relative');
  await card(frame, 'loss').getByLabel('Log scale').check();
  await page.waitForTimeout(500);
  const relative = await colourCounts(frame, 'loss');
  assert.ok(relative[0]! > 40 && relative[1]! > 40, `both curves on the time-since-start axis: ${relative}`);
  await snap(m.editor, 'compare-02-relative-log-all-params');
});

test('the panel comes back with its settings after being hidden', { skip, timeout: 90_000 }, async () => {
  const { page } = m;
  // Another editor in front: the Compare page is torn down (no retained context).
  await m.quick.command('View: Toggle Output');
  await page.keyboard.press('Control+N');
  await page.locator('.tabs-container .tab', { hasText: /Untitled/ }).first().waitFor({ timeout: 10_000 });
  await page.locator('.tabs-container .tab', { hasText: 'Compare 2 runs' }).first().click();
  const frame = await compareFrame();
  await waitForCurves(frame);
  assert.equal(await frame.getByLabel('X axis').inputValue(), 'relative');
  assert.equal(await frame.getByLabel('Only what differs').isChecked(), false);
  assert.equal(await card(frame, 'loss').getByLabel('Log scale').isChecked(), true);
  await m.quick.command('View: Toggle Output');
});

test('the palette picks runs with a multi-select list and reaches the same panel', { skip, timeout: 90_000 }, async () => {
  const { page, quick } = m;
  await quick.command('MATIH: Compare Runs…');
  await quick.choose('Compare Runs (1/2): experiment', new RegExp(`^${EXPERIMENT}`));
  await quick.waitForTitle(`Compare Runs: runs of "${EXPERIMENT}"`);
  for (const name of [RUN_A, RUN_B]) {
    // A multi-select row: clicking it ticks its checkbox (the row carries aria-checked).
    const row = quick.widget.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
    await row.waitFor({ timeout: 10_000 });
    await row.click();
    await waitFor(`${name} ticked`, async () => (await row.getAttribute('aria-checked')) === 'true', { timeoutMs: 5_000 });
  }
  await quick.input.press('Enter');
  await quick.widget.waitFor({ state: 'hidden', timeout: 10_000 });
  // The same runs: the open panel is revealed, not a second one.
  await page.waitForTimeout(500);
  assert.equal(await page.locator('.tabs-container .tab', { hasText: 'Compare 2 runs' }).count(), 1);
  const frame = await compareFrame();
  await waitForCurves(frame);
  await snap(m.editor, 'compare-03-from-palette');
});
