/**
 * The live features against a real editor: the inline code lens above a `log_metric("loss", …)`
 * call follows the active tenant's running run as points arrive, and the Live Metrics panel
 * (opened from the palette) draws a uPlot chart for `loss` whose "last" value follows points
 * streamed through the MLflow-compatible API. One code-server start for the whole file.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { chartCaption, lensValue, panelFrame, panelValue, waitForLens } from './support/live.ts';
import { type Matih, e2eSkip, snap, startMatih, waitFor } from './support/matih.ts';

const skip = e2eSkip();
let m: Matih;
let tenant: string;
let runId: string;
const RUN_NAME = 'live-probe-run';
const FILE = 'live_probe.py';

/** The value logged at `step`: distinct at every step, a decaying "loss". */
const lossAt = (step: number): number => Math.round(2000 / (step + 1)) / 1000;

/** Logs `loss` at `steps` through the daemon's MLflow-compatible API (as mlflow's client does). */
async function logBatch(steps: number[]): Promise<void> {
  const now = Date.now();
  const response = await fetch(`${m.daemon.url}/tenants/${tenant}/api/2.0/mlflow/runs/log-batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${m.daemon.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ run_id: runId, metrics: steps.map((step, i) => ({ key: 'loss', value: lossAt(step), timestamp: now + i, step })) }),
  });
  assert.ok(response.ok, `log-batch answered ${response.status}: ${await response.text()}`);
}

/** Waits for the lens above `log_metric("loss", …)` to show `step`'s point. */
const waitForLossLens = (step: number): Promise<string> => waitForLens(m.page, `loss ${lensValue(lossAt(step))} · step ${step}`);
const lossCaption = (frame: Frame): Promise<string | undefined> => chartCaption(frame, 'loss');

before(async () => {
  if (skip) return;
  m = await startMatih();
  console.log(`editor up (seconds): ${JSON.stringify(m.editor.timings)}`);
  tenant = m.daemon.activeTenant || 'default';
  const experiment = await m.api.createExperiment(tenant, { name: 'live-probe', description: 'Live lens and panel e2e' });
  const run = await m.api.createRun(tenant, { experiment_id: experiment.id, name: RUN_NAME });
  assert.equal(run.status, 'running');
  runId = run.id;
  writeFileSync(
    join(m.editor.workspace, FILE),
    ['import mlflow', '', 'for i in range(10):', '    v = 2.0 / (i + 1)', '    mlflow.log_metric("loss", v, step=i)', ''].join('\n'),
  );
}, { timeout: 240_000 });

after(async () => {
  await m?.editor.close();
});

test('the code lens above log_metric("loss", …) shows the running run\'s latest loss and follows new points', { skip, timeout: 120_000 }, async () => {
  await m.api.logMetrics(tenant, runId, [0, 1, 2].map((step) => ({ key: 'loss', value: lossAt(step), step })));
  await m.editor.openFile(FILE);
  const first = await waitForLossLens(2);
  assert.match(first, /^loss \S+ · step 2 · [▁▂▃▄▅▆▇█]{3}$/, `lens: ${first}`);

  await logBatch([3, 4, 5]);
  const second = await waitForLossLens(5);
  assert.match(second, /· [▁▂▃▄▅▆▇█]{6}$/, `six points in the sparkline: ${second}`);
  await snap(m.editor, 'live-01-code-lens');
});

test('Live Metrics panel draws loss and its latest value follows streamed points', { skip, timeout: 120_000 }, async () => {
  await m.quick.command('MATIH: Open Live Metrics');
  await m.quick.choose('Open Live Metrics', new RegExp(RUN_NAME));
  await m.page.locator('.tabs-container .tab', { hasText: 'Live Metrics' }).first().waitFor({ timeout: 15_000 });
  const frame = await panelFrame(m.page);

  // The history so far: a chart for loss (its name as text, a uPlot canvas) at step 5's value.
  await waitFor('the loss chart with its last value', async () => (await lossCaption(frame)) === `last ${panelValue(lossAt(5))}`);
  await frame.locator('section.chart', { has: frame.locator('.chart-key', { hasText: /^loss$/ }) }).locator('canvas').first().waitFor({ timeout: 10_000 });
  const runs = await frame.locator('ul.runs li').allInnerTexts();
  assert.ok(runs.some((r) => r.includes(RUN_NAME) && r.includes('running')), `run list: ${JSON.stringify(runs)}`);

  // Stream a point every ~400 ms for ~5 s; the caption must move to new values as they come.
  const captions = new Set<string>();
  const recorder = (async () => {
    const end = Date.now() + 7_000;
    while (Date.now() < end) {
      const caption = await lossCaption(frame).catch(() => undefined);
      if (caption) captions.add(caption);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const lastStep = 17;
  for (let step = 6; step <= lastStep; step++) {
    await logBatch([step]);
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
  await waitFor('the caption to show the last streamed point', async () => (await lossCaption(frame)) === `last ${panelValue(lossAt(lastStep))}`, { timeoutMs: 10_000 });
  await recorder;
  const streamed = [...captions].filter((c) => c !== `last ${panelValue(lossAt(5))}`);
  assert.ok(streamed.length >= 2, `the caption changed at least twice while streaming: ${JSON.stringify([...captions])}`);
  const expected = new Set(Array.from({ length: lastStep - 5 }, (_, i) => `last ${panelValue(lossAt(i + 6))}`));
  for (const c of streamed) assert.ok(expected.has(c), `caption "${c}" is a streamed value`);

  await snap(m.editor, 'live-02-panel');
  // The lens followed the stream too.
  await m.page.locator('.tabs-container .tab', { hasText: FILE }).first().click();
  await waitForLossLens(lastStep);
  await snap(m.editor, 'live-03-code-lens-after-stream');
});

test('the panel drops "Waiting for the first metrics…" once a chart is drawn', {
  skip,
  timeout: 30_000,
}, async () => {
  // Back to the panel (hidden behind the Python file, so its page reloads from the history).
  await m.page.locator('.tabs-container .tab', { hasText: 'Live Metrics' }).first().click();
  const frame = await panelFrame(m.page);
  await waitFor('the loss chart drawn again', async () => (await lossCaption(frame)) === `last ${panelValue(lossAt(17))}`);
  const empty = await frame.evaluate(() => {
    const p = (globalThis as any).document.querySelector('p.empty');
    return p && !p.classList.contains('hidden') ? (p.textContent as string) : '';
  });
  assert.equal(empty, '', 'no "empty" message beside a drawn chart');
});
