/**
 * The built Compare Runs page in headless Chromium under its real CSP, with the test playing the
 * extension: hostile run names, params, metric keys and errors stay text; curves are asked for at
 * the chart's plot width and again for a zoomed range; both runs' curves are on the canvas; the
 * legend hides a run; "only what differs", best direction, log scale, axes, CSV and PNG export
 * work; malformed messages are dropped; the theme's colours are followed; the page's state
 * brings its settings back after a reload. Screenshots go to test-results/webviews/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodePngDataUrl } from '../../client/src/panels/compareData.ts';
import type { ComparePage, Harness } from './compare-harness.ts';
import { chromiumSkip } from './chromium-host.ts';
import { reduce, startHarness } from './compare-harness.ts';

const OUT = join(import.meta.dirname, '../../test-results/webviews');
const HOSTILE_NAME = '"><img src=x onerror=alert(1)></script><script>alert(2)</script>';
const HOSTILE_KEY = '<img src=x onerror=alert(3)>';
const HOSTILE_PARAM = 'javascript:alert(4)//<b onmouseover=alert(5)>';
const LONG_NAME = 'baseline-resnet50-lr-sweep-with-a-really-long-descriptive-run-name-that-never-ends';
const skip = chromiumSkip('compare');

type Point = [number, number | null, number];
const T0 = 1_700_000_000_000;
const histories: Record<string, Record<string, Point[]>> = {
  r1: {
    loss: Array.from({ length: 5000 }, (_, s) => [s, 1.5 * Math.exp(-s / 900) + 0.05 * Math.sin(s / 7) + 0.1, T0 + s * 100]),
    [HOSTILE_KEY]: Array.from({ length: 300 }, (_, s) => [s, 0.5 + 0.4 * (1 - Math.exp(-s / 60)), T0 + s * 100]),
  },
  r2: {
    loss: Array.from({ length: 5000 }, (_, s) => [s, 1.2 * Math.exp(-s / 1500) + 0.3, T0 + 60_000 + s * 120]),
    [HOSTILE_KEY]: Array.from({ length: 300 }, (_, s) => [s, 0.4 + 0.5 * (1 - Math.exp(-s / 40)), T0 + 60_000 + s * 120]),
  },
};
const RUNS = [
  { runId: 'r1', name: HOSTILE_NAME, status: 'finished', startTime: T0, endTime: T0 + 500_000, experimentId: '1' },
  { runId: 'r2', name: LONG_NAME, status: 'failed', startTime: T0 + 60_000, endTime: null, experimentId: '1' },
];
const COMPARE = {
  type: 'compare',
  tenant: 'acme',
  runs: RUNS,
  params: [
    { key: 'lr', values: ['0.1', '0.01'], differs: true },
    { key: HOSTILE_PARAM, values: [HOSTILE_PARAM, null], differs: true },
    { key: 'seed', values: ['42', '42'], differs: false },
  ],
  metrics: [
    { key: HOSTILE_KEY, direction: 'max', latest: [0.9, 0.9] },
    { key: 'loss', direction: 'min', latest: [0.1, 0.3] },
    { key: 'never_logged', direction: 'min', latest: [null, null] },
  ],
};

/** Plays the extension: answers `series` requests with reduced curves (or with an error when asked to). */
function extension(fail: { next: boolean }, requests: any[]) {
  return (message: any, page: ComparePage): void => {
    if (message.type !== 'series') return;
    requests.push(message);
    if (fail.next) {
      fail.next = false;
      void page.send({ type: 'seriesError', requestId: message.requestId, message: `daemon says ${HOSTILE_NAME}` });
      return;
    }
    const curves = [];
    for (const run of RUNS) {
      for (const key of message.keys) {
        const all = histories[run.runId]![key] ?? [];
        const x = (p: Point) => (message.xAxis === 'step' ? p[0] : message.xAxis === 'time' ? p[2] : p[2] - run.startTime);
        const inRange = message.range === undefined ? all : all.filter((p) => x(p) >= message.range.min && x(p) <= message.range.max);
        const points = reduce(inRange, message.width);
        const values = inRange.map((p) => p[1]).filter((v): v is number => v !== null);
        curves.push({
          runId: run.runId,
          key,
          totalPoints: inRange.length,
          reduced: points.length < inRange.length,
          points,
          min: values.length ? Math.min(...values) : null,
          max: values.length ? Math.max(...values) : null,
          last: inRange.at(-1) ?? null,
        });
      }
    }
    const startTimes = Object.fromEntries(RUNS.map((r) => [r.runId, r.startTime]));
    void page.send({ type: 'series', requestId: message.requestId, xAxis: message.xAxis, ...(message.range ? { range: message.range } : {}), curves, startTimes });
  };
}

/** Per colour (the legend swatches'), how many canvas pixels of a chart are near it. */
async function colourCounts(page: ComparePage['page'], chartIndex: number): Promise<number[]> {
  return page.evaluate((index) => {
    const doc = (globalThis as any).document;
    const swatches = [...doc.querySelectorAll('.legend .swatch')].map((s: any) => (globalThis as any).getComputedStyle(s).backgroundColor as string);
    const rgb = swatches.map((c) => (c.match(/\d+/g) ?? []).slice(0, 3).map(Number));
    const canvas = doc.querySelectorAll('section.chart canvas')[index];
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data as Uint8ClampedArray;
    const counts = rgb.map(() => 0);
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3]! < 200) continue;
      rgb.forEach((c, k) => {
        if (Math.abs(data[i]! - c[0]!) + Math.abs(data[i + 1]! - c[1]!) + Math.abs(data[i + 2]! - c[2]!) < 30) counts[k]!++;
      });
    }
    return counts;
  }, chartIndex);
}

async function waitUntil(page: ComparePage['page'], what: string, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await page.waitForTimeout(50);
  }
}

describe('Compare Runs page in Chromium', { skip }, () => {
  let harness: Harness;

  before(async () => {
    harness = await startHarness();
  });

  after(async () => {
    await harness?.close();
  });

  it('compares two runs: text-only user data, width-sized curves, zoom, legend, best run, exports', async () => {
    const requests: any[] = [];
    const fail = { next: false };
    const cp = await harness.open({ onMessage: extension(fail, requests) });
    const { page, problems } = cp;
    assert.deepEqual(await cp.next('ready'), { type: 'ready' });
    await cp.send(COMPARE);

    const statuses = () => page.locator('.chart-status').allTextContents();
    await waitUntil(page, 'the loss curves', async () => (await statuses()).some((t) => /of 10,000 points drawn/.test(t)));
    await waitUntil(page, 'the empty metric', async () => (await statuses()).includes('No run logged this metric.'));

    // User data is text, nowhere markup.
    assert.equal(await page.locator('img, b').count(), 0);
    assert.deepEqual(await page.locator('.legend .run-name').allTextContents(), [HOSTILE_NAME, LONG_NAME]);
    assert.deepEqual(await page.locator('.chart-key').allTextContents(), [HOSTILE_KEY, 'loss', 'never_logged']);
    assert.deepEqual(await page.locator('table.params tbody th').allTextContents(), ['lr', HOSTILE_PARAM], 'only what differs, by default');
    assert.equal(await page.locator('table.params tbody td').nth(2).textContent(), HOSTILE_PARAM);
    assert.equal(await page.locator('h1').textContent(), 'Compare 2 runs');

    // A request per on-screen chart, sized to its plot area.
    assert.deepEqual(requests.slice(0, 3).map((r) => r.keys), [[HOSTILE_KEY], ['loss'], ['never_logged']]);
    const first = requests[0];
    assert.equal(first.xAxis, 'step');
    assert.ok(requests.slice(0, 3).every((r) => r.width === first.width && r.range === undefined));
    const plotWidth = await page.locator('section.chart .chart-plot').first().evaluate((e: any) => e.clientWidth as number);
    assert.ok(first.width < plotWidth && first.width > plotWidth - 120, `asked for ${first.width} px of a ${plotWidth} px chart`);

    // Both runs' curves are on the loss canvas.
    const counts = await colourCounts(page, 1);
    assert.ok(counts[0]! > 50 && counts[1]! > 50, `pixels per run colour: ${counts}`);

    // min / max / last with the best run (loss: lowest last value, r1).
    const lossCard = page.locator('section.chart').nth(1);
    assert.deepEqual(await lossCard.locator('tr.best .run-name').allTextContents(), [HOSTILE_NAME]);
    assert.match((await lossCard.locator('tbody tr').first().textContent()) ?? '', /★ best$/);
    assert.equal(await lossCard.locator('td.best-mark').first().getAttribute('title'), 'Best: the lowest last value');
    const from = cp.sent.length;
    await lossCard.locator('select').selectOption('max');
    assert.deepEqual(await cp.next('direction', from), { type: 'direction', key: 'loss', direction: 'max' });
    assert.deepEqual(await lossCard.locator('tr.best .run-name').allTextContents(), [LONG_NAME]);

    // Hovering the chart fills the "at the cursor" column: the step, and each run's value there.
    const lossBox = (await lossCard.locator('.u-over').boundingBox())!;
    await page.mouse.move(lossBox.x + lossBox.width / 2, lossBox.y + lossBox.height / 2);
    await waitUntil(page, 'the cursor values', async () => /^step [\d,]+$/.test((await lossCard.locator('th.cursor-value').textContent()) ?? ''));
    const atCursor = await lossCard.locator('td.cursor-value').allTextContents();
    assert.ok(atCursor.length === 2 && atCursor.every((t) => /^\d/.test(t)), `values at the cursor: ${atCursor}`);
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'compare-runs.png'), fullPage: true });
    await page.mouse.move(1, 1);
    await waitUntil(page, 'the cursor column to clear', async () => (await lossCard.locator('th.cursor-value').textContent()) === '');

    // Zoom: a drag across the plot asks for that range; the refined curve arrives; double-click goes back.
    const over = lossCard.locator('.u-over');
    const box = (await over.boundingBox())!;
    const beforeZoom = requests.length;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    // Other charts may re-ask at a new width meanwhile (the full-page screenshot resizes the
    // page); the zoom is the ranged request, and only the loss chart may send one.
    await waitUntil(page, 'a zoom request', async () => requests.slice(beforeZoom).some((r) => r.range !== undefined));
    const ranged = requests.slice(beforeZoom).filter((r) => r.range !== undefined);
    assert.deepEqual(ranged.map((r) => r.keys), [['loss']]);
    const zoom = ranged[0];
    assert.ok(zoom.range.min > 1000 && zoom.range.max < 2600 && zoom.range.max > zoom.range.min, JSON.stringify(zoom.range));
    await lossCard.getByRole('button', { name: 'Reset zoom' }).waitFor({ state: 'visible' });
    await waitUntil(page, 'the zoomed curve', async () => /zoomed|^$/.test((await lossCard.locator('.chart-status').textContent()) ?? 'x'));
    await page.screenshot({ path: join(OUT, 'compare-runs-zoomed.png'), fullPage: true });
    const beforeReset = requests.length;
    await over.dblclick({ position: { x: box.width / 2, y: box.height / 2 } });
    const lossAfterReset = () => requests.slice(beforeReset).find((r) => r.keys.length === 1 && r.keys[0] === 'loss');
    await waitUntil(page, 'the unzoomed request', async () => lossAfterReset() !== undefined);
    assert.equal(lossAfterReset().range, undefined);

    // The legend hides a run from every chart (keyboard: a focusable toggle button).
    const second = page.locator('.legend-item').nth(1);
    await second.focus();
    await page.keyboard.press('Enter');
    assert.equal(await second.getAttribute('aria-pressed'), 'false');
    await page.waitForTimeout(100);
    const hidden = await colourCounts(page, 1);
    assert.equal(hidden[1], 0, `no pixels of the hidden run: ${hidden}`);
    await second.click();
    assert.equal(await second.getAttribute('aria-pressed'), 'true');

    // Everything the switch hides comes back.
    await page.getByLabel('Only what differs').uncheck();
    assert.deepEqual(await page.locator('table.params tbody th').allTextContents(), ['lr', HOSTILE_PARAM, 'seed']);

    // Axes: time since start asks again with that axis; a failing answer shows its text as text.
    fail.next = true;
    const beforeAxis = requests.length;
    await page.getByLabel('X axis').selectOption('relative');
    await waitUntil(page, 'the relative request', async () => requests.slice(beforeAxis).some((r) => r.xAxis === 'relative'));
    await waitUntil(page, 'the error text', async () => (await page.locator('.chart-status.error').allTextContents()).includes(`daemon says ${HOSTILE_NAME}`));
    await page.getByLabel('X axis').selectOption('time');
    await waitUntil(page, 'the wall-time curves', async () => (await statuses()).some((t) => /of 10,000 points drawn/.test(t)));
    await lossCard.getByLabel('Log scale').check();
    await page.getByLabel('Smoothing').fill('0.9');
    await page.waitForTimeout(200);

    // Exports: the CSV as text (formula-looking params neutralised), a chart as a real PNG.
    const beforeCsv = cp.sent.length;
    await page.getByRole('button', { name: 'Export CSV…' }).click();
    const csv = await cp.next('exportCsv', beforeCsv);
    assert.equal(csv.fileName, 'compare-2-runs.csv');
    assert.match(csv.csv, /^,"""><img src=x onerror=alert\(1\)><\/script><script>alert\(2\)<\/script>",baseline-resnet50/);
    assert.match(csv.csv, /\r\nmetrics\.loss\.best \(max\),,x\r\n/);
    await lossCard.getByRole('button', { name: 'Save PNG' }).click();
    const png = await cp.next('exportPng', beforeCsv);
    assert.equal(png.fileName, 'loss.png');
    assert.ok(decodePngDataUrl(png.dataUrl).length > 1000);

    // Malformed messages are dropped; a panel error is text.
    await cp.send({ type: 'html', html: '<img src=x onerror=alert(6)>' });
    await cp.send({ ...COMPARE, runs: [{ ...RUNS[0], extra: '<img src=x onerror=alert(7)>' }] });
    await cp.send({ type: 'error', message: HOSTILE_NAME });
    assert.equal(await page.locator('p.error').textContent(), HOSTILE_NAME);
    assert.equal(await page.locator('img').count(), 0);
    assert.deepEqual(await page.locator('.legend .run-name').allTextContents(), [HOSTILE_NAME, LONG_NAME]);

    // A theme switch re-reads the --vscode-* colours and redraws.
    await page.evaluate(() => {
      const body = (globalThis as any).document.body;
      body.style.setProperty('--vscode-charts-blue', 'rgb(255, 0, 255)');
      body.classList.add('vscode-light');
    });
    await waitUntil(page, 'the new swatch colour', async () =>
      (await page.locator('.legend .swatch').first().evaluate((e: any) => (globalThis as any).getComputedStyle(e).backgroundColor)) === 'rgb(255, 0, 255)');
    await page.waitForTimeout(100);
    await page.screenshot({ path: join(OUT, 'compare-runs-time-log-smoothed.png'), fullPage: true });
    const themed = await colourCounts(page, 1);
    assert.ok(themed[0]! > 50, `the loss chart redrawn in the new colour: ${themed}`);

    assert.deepEqual(problems, []);
    assert.equal(cp.sent.filter((m: any) => m.type === 'ready').length, 1);

    // The page's state brings the settings back after a reload (the serializer hands it over).
    const state = await page.evaluate(() => (globalThis as any).__state());
    assert.equal(state.tenant, 'acme');
    assert.deepEqual(state.runIds, ['r1', 'r2']);
    assert.equal(state.xAxis, 'time');
    assert.equal(state.onlyDiffers, false);
    assert.deepEqual(state.logKeys, ['loss']);
    assert.deepEqual(state.directions, { loss: 'max' });
    await page.close();

    const restoredRequests: any[] = [];
    const again = await harness.open({ state, onMessage: extension({ next: false }, restoredRequests) });
    await again.next('ready');
    assert.equal(await again.page.getByLabel('X axis').inputValue(), 'time');
    await again.send(COMPARE);
    await waitUntil(again.page, 'the restored request', async () => restoredRequests.length > 0);
    assert.equal(restoredRequests[0].xAxis, 'time');
    assert.equal(await again.page.getByLabel('Only what differs').isChecked(), false);
    assert.equal(await again.page.locator('section.chart').nth(1).getByLabel('Log scale').isChecked(), true);
    assert.deepEqual(again.problems, []);
    // A fresh nonce per load.
    const nonces = again.shells.map((html) => /<script nonce="([^"]+)"/.exec(html)?.[1]);
    assert.ok(nonces.length >= 2 && nonces.every((n) => n !== undefined && again.shells[0]!.includes('Content-Security-Policy')));
    assert.equal(new Set(nonces).size, nonces.length);
    await again.page.close();
  });

  it('shows empty states: no params, no metrics, and a run with no name', async () => {
    const cp = await harness.open({ width: 700 });
    await cp.next('ready');
    await cp.send({
      type: 'compare',
      tenant: 'acme',
      runs: [
        { runId: 'abcdef0123456789', name: '', status: 'running', startTime: T0, endTime: null, experimentId: '1' },
        { runId: 'fedcba9876543210', name: 'b', status: 'killed', startTime: T0, endTime: T0 + 1, experimentId: '1' },
      ],
      params: [{ key: 'seed', values: ['1', '1'], differs: false }],
      metrics: [],
    });
    await cp.page.locator('.legend-item').first().waitFor();
    assert.deepEqual(await cp.page.locator('.legend .run-name').allTextContents(), ['Run abcdef01', 'b']);
    assert.equal(await cp.page.locator('.params-body .empty').textContent(), 'All 1 params are the same in every run. Turn off "Only what differs" to see them.');
    assert.equal(await cp.page.locator('.metrics-section .empty').textContent(), 'These runs logged no metrics.');
    await cp.page.screenshot({ path: join(OUT, 'compare-runs-empty.png'), fullPage: true });
    assert.deepEqual(cp.problems, []);
    assert.deepEqual(cp.sent, [{ type: 'ready' }]);
    await cp.page.close();
  });
});
