/**
 * The inline code lens's hover and click against a real editor: hovering the key of a
 * `mlflow.log_metric("loss", …)` call shows the larger chart of the active run (an SVG line
 * chart as a `data:` image, with min / max / last below it), and clicking the lens above the call opens
 * the Live Metrics panel on that run. One code-server start for the whole file.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { type Matih, e2eSkip, snap, startMatih, waitFor } from './support/matih.ts';

const skip = e2eSkip();
let m: Matih;
let tenant: string;
let runId: string;
const RUN_NAME = 'inline-hover-run';
const FILE = 'inline_probe.py';
const STEPS = 12;

/** Distinct values that fall, then rise a little: a chart with a shape. */
const lossAt = (step: number): number => Math.round((1 / (step + 1) + step / 40) * 1000) / 1000;

/** As the lens and hover format values (server/src/lsp/inline/render.ts). */
const shown = (v: number): string => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))));

/** The webview frame holding the Live Metrics page (the inner iframe code-server nests it in). */
async function panelFrame(): Promise<Frame> {
  return waitFor('the Live Metrics webview frame', async () => {
    for (const frame of m.page.frames()) {
      if (frame === m.page.mainFrame() || frame.isDetached()) continue;
      const found = await frame.evaluate(() => (globalThis as any).document.querySelector('.charts') !== null).catch(() => false);
      if (found) return frame;
    }
    return undefined;
  }, { timeoutMs: 20_000 });
}

before(async () => {
  if (skip) return;
  m = await startMatih();
  console.log(`editor up (seconds): ${JSON.stringify(m.editor.timings)}`);
  tenant = m.daemon.activeTenant || 'default';
  const experiment = await m.api.createExperiment(tenant, { name: 'inline-hover', description: 'Hover and click on the code lens' });
  const run = await m.api.createRun(tenant, { experiment_id: experiment.id, name: RUN_NAME });
  runId = run.id;
  await m.api.logMetrics(tenant, runId, Array.from({ length: STEPS }, (_, step) => ({ key: 'loss', value: lossAt(step), step })));
  writeFileSync(
    join(m.editor.workspace, FILE),
    ['import mlflow', '', 'for i in range(12):', '    loss = 1 / (i + 1) + i / 40', '    mlflow.log_metric("loss", loss, step=i)', ''].join('\n'),
  );
}, { timeout: 240_000 });

after(async () => {
  await m?.editor.close();
});

const lastStep = STEPS - 1;
const lensText = `loss ${shown(lossAt(lastStep))} · step ${lastStep}`;

test('hovering the key of log_metric("loss", …) shows the larger chart of the active run', { skip, timeout: 120_000 }, async () => {
  await m.editor.openFile(FILE);
  const lens = m.page.locator('.monaco-editor .codelens-decoration', { hasText: lensText });
  await lens.first().waitFor({ timeout: 30_000 });

  // The `loss` key inside the call, as the editor renders that line's tokens.
  const line = m.page.locator('.monaco-editor .view-line', { hasText: 'mlflow.log_metric("loss"' }).first();
  await line.waitFor({ timeout: 10_000 });
  const key = line.locator('span > span', { hasText: /^"?loss"?$/ }).first();
  const box = await key.boundingBox();
  assert.ok(box, 'the "loss" token is on screen');
  const hover = m.page.locator('.monaco-hover:not(.hidden)', { hasText: 'min ' });
  await waitFor('the hover over "loss"', async () => {
    // Moving away and back re-arms the hover if the first move raced the editor's layout.
    await m.page.mouse.move(box.x + box.width / 2, box.y - 40);
    await m.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
    return hover.first().waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false);
  }, { timeoutMs: 30_000 });
  const text = await hover.first().innerText();
  assert.match(text, new RegExp(`loss · run ${RUN_NAME} \\(running\\) · tenant ${tenant}`), text);
  const values = Array.from({ length: STEPS }, (_, s) => lossAt(s));
  const esc = (v: number) => shown(v).replace('.', '\\.');
  assert.match(text, new RegExp(`min ${esc(Math.min(...values))} · max ${esc(Math.max(...values))} · last ${esc(lossAt(lastStep))} at step ${lastStep} · steps 0–${lastStep} · ${STEPS} points`), text);
  // The chart: an SVG image from a data: URI that the editor renders (the hover is not trusted,
  // so this also proves VS Code lets such images through), larger than the lens's sparkline.
  const img = hover.first().locator('img').first();
  await waitFor('the chart image loaded', () => img.evaluate((el: any) => el.complete && el.naturalWidth > 0), { timeoutMs: 10_000 });
  const src = (await img.getAttribute('src')) ?? '';
  assert.ok(src.startsWith('data:image/svg+xml;base64,'), src.slice(0, 60));
  const natural = await img.evaluate((el: any) => [el.naturalWidth, el.naturalHeight]);
  assert.deepEqual(natural, [360, 120]);
  const rendered = await img.boundingBox();
  assert.ok(rendered && rendered.width >= 300 && rendered.height >= 100, `rendered at ${JSON.stringify(rendered)}`);
  // One label per end of each axis: the min and max values, the first and last steps.
  const svg = Buffer.from(src.slice(src.indexOf(',') + 1), 'base64').toString('utf8');
  const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((match) => match[1]);
  assert.deepEqual(labels, [shown(Math.max(...values)), shown(Math.min(...values)), '0', String(lastStep)]);
  // Not `snap`: it moves the mouse away, which closes the hover.
  await m.editor.screenshot('live-inline-01-hover');
  await m.page.mouse.move(5, 5);
  await m.page.keyboard.press('Escape');
});

test('clicking the code lens opens the Live Metrics panel on that run', { skip, timeout: 120_000 }, async () => {
  const lens = m.page.locator('.monaco-editor .codelens-decoration a', { hasText: lensText }).first();
  await lens.waitFor({ timeout: 15_000 });
  await lens.click();
  await m.page.locator('.tabs-container .tab', { hasText: 'Live Metrics' }).first().waitFor({ timeout: 15_000 });
  const frame = await panelFrame();
  await waitFor('the run in the panel with its loss chart', async () => {
    const runs = await frame.locator('ul.runs li').allInnerTexts();
    const caption = await frame.evaluate(() => {
      const doc = (globalThis as any).document;
      for (const chart of doc.querySelectorAll('section.chart')) {
        if (chart.querySelector('.chart-key')?.textContent === 'loss') return chart.querySelector('.chart-caption')?.textContent ?? '';
      }
      return undefined;
    });
    return runs.length === 1 && runs[0]!.includes(RUN_NAME) && caption !== undefined && caption.startsWith('last ');
  }, { timeoutMs: 20_000 });
  const title = await frame.locator('ul.runs li .run-name').first().getAttribute('title');
  assert.ok(title?.includes(runId), `the panel shows run ${runId}: ${title}`);
  await frame.locator('section.chart canvas').first().waitFor({ timeout: 10_000 });
  await snap(m.editor, 'live-inline-02-lens-opens-panel');
});
