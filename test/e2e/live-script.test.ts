/**
 * A real training script, watched live: a Python file using `mlflow` logs `loss` and `accuracy`
 * for 300 steps (about 15 s) and is started as a user does, "MATIH: Run Python File with
 * Tracking" on the open file, with the MLflow venv's interpreter configured in
 * `matih.python.interpreter`. While it runs, the Live Metrics panel (which that command opens)
 * and the code lens above `mlflow.log_metric("loss", …)` must show new points; when it is done,
 * both show step 299, the run is FINISHED (panel and API) and the daemon's `system/...` samples
 * of the script's process are there. Then the demo workspace's own train.py, started with the
 * editor title's button, as a new user meets it. One code-server start for the file.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { ensureMlflowVenv } from '../support/mlflow.ts';
import { withDiagnostics, chartCaption, chartKeys, lensTexts, lensValue, panelFrame, panelRuns, panelValue, Sampler, waitForLens } from './support/live.ts';
import { type ApiRun, type Matih, e2eSkip, snap, startMatih, waitFor } from './support/matih.ts';

const skip = e2eSkip();
let m: Matih;
let tenant: string;
/** Not named like the demo's train.py, which Quick Open would otherwise also offer for it. */
const FILE = 'live_loop.py';
const EXPERIMENT = 'live_loop';
const STEPS = 300;
const LAST = STEPS - 1;

/** What the script logs at `step` (the same IEEE doubles in Python and here): distinct at every step. */
const lossAt = (step: number): number => 2 / (step + 1);
const accuracyAt = (step: number): number => 1 - Math.exp(-step / 60);

const SCRIPT = `"""A toy training loop for the live e2e test: ${STEPS} steps paced to take about 15 s."""
import math
import time

import mlflow

with mlflow.start_run():
    start = time.monotonic()
    for step in range(${STEPS}):
        loss = 2.0 / (step + 1)
        accuracy = 1 - math.exp(-step / 60)
        mlflow.log_metric("loss", loss, step=step)
        mlflow.log_metric("accuracy", accuracy, step=step)
        # 50 ms a step, whatever the requests took (the code lens refreshes calmly, every ~2 s).
        time.sleep(max(0.0, start + (step + 1) * 0.05 - time.monotonic()))
print("trained")
`;

before(async () => {
  if (skip) return;
  const python = join(await ensureMlflowVenv(), 'python');
  m = await startMatih({ settings: { 'matih.python.interpreter': python, 'matih.scripts.systemMetricsInterval': 1 } });
  console.log(`editor up (seconds): ${JSON.stringify(m.editor.timings)}`);
  tenant = m.daemon.activeTenant || 'default';
  writeFileSync(join(m.editor.workspace, FILE), SCRIPT);
}, { timeout: 240_000 });

after(async () => {
  await m?.editor.close();
});

/** The panel's frame, found again when the webview reloads (it does when moved to another group). */
function panelReader(): () => Promise<Frame> {
  let frame: Frame | undefined;
  return async () => {
    if (frame === undefined || frame.isDetached() || (await chartKeys(frame).catch(() => undefined)) === undefined) frame = await panelFrame(m.page);
    return frame;
  };
}

/** The step of the `loss` lens on screen, or undefined while there is none. */
async function lensStep(): Promise<number | undefined> {
  for (const text of await lensTexts(m.page)) {
    const step = /^loss \S+ · step (\d+) · /.exec(text)?.[1];
    if (step !== undefined) return Number(step);
  }
  return undefined;
}

/** Opens a workspace file and puts the cursor in it, so its context (a Python file) is what the palette sees. */
async function openEditor(file: string): Promise<void> {
  await m.editor.openFile(file);
  // Into the editor's visible viewport (the lines element spans the whole file and may be
  // scrolled so that any point of it is off screen), then to the top.
  await m.page.locator('.editor-group-container.active .monaco-editor .overflow-guard').first().click({ position: { x: 80, y: 10 } });
  await m.page.keyboard.press('Control+Home');
  await waitFor(`${file} focused`, async () => (await m.page.locator('.editor-group-container.active .tab.active', { hasText: file }).count()) > 0);
}

/** Starts the open file with "Run Python File with Tracking" into the experiment named after it; answers its run. */
async function runWithTracking(file: string, experimentName: string, from: 'palette' | 'editor title'): Promise<ApiRun> {
  if (from === 'palette') await m.quick.command('MATIH: Run Python File with Tracking');
  else await m.page.locator('.editor-group-container.active .editor-actions').getByRole('button', { name: /Run Python File with Tracking/ }).first().click();
  // The experiment named after the file is offered first (created on the way).
  await m.quick.choose(/^Run with Tracking: experiment/, new RegExp(`(^|\\s)${experimentName}(,|\\s|$)`));
  const experiment = await waitFor(`the experiment ${experimentName}`, () => m.api.experimentByName(tenant, experimentName));
  return waitFor(`the run of ${file}`, async () => (await m.api.runs(tenant, experiment.id))[0]);
}

const panelTab = () => m.page.locator('.tabs-container .tab', { hasText: 'Live Metrics' }).first();

/** Moves the Live Metrics panel into a group right of `file`'s, as a user drags it there. */
async function movePanelBesideFile(file: string): Promise<void> {
  await panelTab().waitFor({ timeout: 20_000 });
  // Once its page is up: the terminal and the panel take focus as they open, closing a palette opened meanwhile.
  await panelFrame(m.page);
  await waitFor('the panel in a group of its own', async () => {
    if ((await m.page.locator('.editor-group-container').count()) >= 2) return true;
    await panelTab().click();
    await m.editor.runCommand('View: Move Editor into Right Group').catch(() => m.page.keyboard.press('Escape'));
    return undefined;
  }, { timeoutMs: 45_000, intervalMs: 500 });
  await m.page.locator('.tabs-container .tab', { hasText: file }).first().click();
}

/** Polls the run until it is no longer running, taking a screenshot once `ready()` says enough was seen; answers the end time and the run. */
async function waitForEnd(runId: string, ready: () => boolean, screenshot: string): Promise<{ endedAt: number; run: ApiRun }> {
  let shot = false;
  return waitFor('the script to end', async () => {
    const run = await m.api.run(tenant, runId);
    if (!shot && ready()) {
      shot = true;
      await snap(m.editor, screenshot);
    }
    return run.status === 'running' ? undefined : { endedAt: Date.now(), run };
  }, { timeoutMs: 120_000, intervalMs: 500 });
}

test('Run Python File with Tracking streams a real mlflow script into the Live panel and the code lens', { skip, timeout: 240_000 }, () => withDiagnostics(m.editor, 'live-script-run', async () => {
  await openEditor(FILE);
  const run = await runWithTracking(FILE, EXPERIMENT, 'palette');

  // The command opens the panel over the file; side by side, both are on screen while it trains.
  await movePanelBesideFile(FILE);

  const frame = panelReader();
  const lens = new Sampler(async () => {
    const step = await lensStep();
    return step === undefined ? undefined : { step, at: Date.now() };
  }, { key: (v) => String(v.step) });
  const captions = new Sampler(async () => {
    const caption = await chartCaption(await frame(), 'loss');
    return caption ? { caption, at: Date.now() } : undefined;
  }, { key: (v) => v.caption });
  let ended: { endedAt: number; run: ApiRun };
  try {
    ended = await waitForEnd(run.id, () => lens.seen.length >= 3 && captions.seen.length >= 3, 'live-script-01-training');
  } finally {
    await Promise.all([lens.stop(), captions.stop()]);
  }
  const { endedAt, run: final } = ended;
  const lensWhileRunning = lens.seen.filter((v) => v.at < endedAt && v.step < LAST).map((v) => v.step);
  const captionsWhileRunning = captions.seen.filter((v) => v.at < endedAt && v.caption !== `last ${panelValue(lossAt(LAST))}`).map((v) => v.caption);
  console.log(`seen while training: ${lensWhileRunning.length} lens steps (${lensWhileRunning.join(', ')}); ${captionsWhileRunning.length} panel captions`);
  assert.ok(lensWhileRunning.length >= 3, `the lens showed at least three steps while the script ran: ${JSON.stringify(lens.seen)}`);
  assert.ok(captionsWhileRunning.length >= 3, `the loss caption showed at least three values while the script ran: ${JSON.stringify(captions.seen)}`);
  // Each caption seen is a value the script logged, in training order.
  const stepOf = new Map<string, number>(Array.from({ length: STEPS }, (_, s) => [`last ${panelValue(lossAt(s))}`, s]));
  const captionSteps = captionsWhileRunning.map((c) => stepOf.get(c));
  assert.ok(captionSteps.every((s) => s !== undefined), `captions are logged values: ${JSON.stringify(captionsWhileRunning)}`);
  assert.deepEqual([...captionSteps].sort((a, b) => a! - b!), captionSteps, 'the caption only moves forward');
  assert.deepEqual([...lensWhileRunning].sort((a, b) => a - b), lensWhileRunning, 'the lens only moves forward');

  // The final state.
  assert.equal(final.status, 'finished', `run status: ${final.status}`);
  const systemKeys = Object.keys(final.metrics).filter((k) => k.startsWith('system/'));
  assert.ok(systemKeys.length > 0, `system metrics of the script's process: ${JSON.stringify(Object.keys(final.metrics))}`);
  assert.equal(final.metrics.loss, lossAt(LAST));
  const lensText = await waitForLens(m.page, `loss ${lensValue(lossAt(LAST))} · step ${LAST}`);
  assert.match(lensText, /· [▁▂▃▄▅▆▇█]{16}$/, `a full sparkline: ${lensText}`);
  await waitFor('the panel at step 299, run finished', async () => {
    const f = await frame();
    const [loss, accuracy, runs] = await Promise.all([chartCaption(f, 'loss'), chartCaption(f, 'accuracy'), panelRuns(f)]);
    return loss === `last ${panelValue(lossAt(LAST))}` && accuracy === `last ${panelValue(accuracyAt(LAST))}` && runs.length === 1 && /finished/.test(runs[0]!);
  }, { timeoutMs: 20_000 });
  const keys = await chartKeys(await frame());
  assert.ok(keys.some((k) => k.startsWith('system/')), `the panel charts system metrics too: ${JSON.stringify(keys)}`);
  // The sidebar shows the experiment the command created.
  await m.sidebar.find(`Experiment ${EXPERIMENT}`);
  await snap(m.editor, 'live-script-02-finished');
}));

test('the demo\'s train.py, run with tracking from the editor title, streams and finishes', { skip, timeout: 180_000 }, () => withDiagnostics(m.editor, 'live-script-demo', async () => {
  // As a new user meets it: the demo folder's script, unchanged, started with the play button.
  await openEditor('train.py');
  const run = await runWithTracking('train.py', 'train', 'editor title');
  await m.page.getByRole('tab', { name: /^train\.py/ }).first().click();
  // Its log_metrics call sits below the fold once the terminal is open: go to that line, as a user scrolls there.
  const line = readFileSync(join(m.editor.workspace, 'train.py'), 'utf8').split('\n').findIndex((l) => l.includes('mlflow.log_metrics(')) + 1;
  assert.ok(line > 0, 'demo/train.py calls mlflow.log_metrics');
  await m.page.keyboard.press('Control+G');
  await m.quick.widget.waitFor({ state: 'visible', timeout: 5_000 });
  await m.page.keyboard.type(String(line));
  await m.page.keyboard.press('Enter');
  const lens = new Sampler(async () => {
    for (const text of await lensTexts(m.page)) {
      const step = /^loss \S+ · step (\d+)/.exec(text)?.[1];
      if (step !== undefined) return { step: Number(step), at: Date.now() };
    }
    return undefined;
  }, { key: (v) => String(v.step) });
  let ended: { endedAt: number; run: ApiRun };
  try {
    ended = await waitForEnd(run.id, () => lens.seen.length >= 3, 'live-script-03-demo-training');
  } finally {
    await lens.stop();
  }
  const steps = lens.seen.filter((v) => v.at < ended.endedAt && v.step < 49).map((v) => v.step);
  assert.ok(steps.length >= 3, `the lens above log_metrics moved while the demo trained: ${JSON.stringify(lens.seen)}`);
  assert.equal(ended.run.status, 'finished', `the demo run ended ${ended.run.status}; is the demo script broken?`);
  assert.deepEqual(Object.keys(ended.run.params).sort(), ['batch_size', 'epochs', 'lr', 'seed']);
  await waitForLens(m.page, 'step 49');
  await panelTab().click();
  const frame = await panelFrame(m.page);
  // The panel added the demo's run to the first script's: two runs, both finished.
  await waitFor('both runs in the panel, finished', async () => {
    const runs = await panelRuns(frame);
    return runs.length === 2 && runs.every((r) => /finished/.test(r));
  });
  await snap(m.editor, 'live-script-04-demo-finished');
}));
