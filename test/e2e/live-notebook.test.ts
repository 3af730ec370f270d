/**
 * A notebook watched live through the MATIH renderer: "MATIH: Connect Notebook to Tracking"
 * inserts the `matih.connect()` cell, a cell starts an MLflow run and shows `matih.live()`, the
 * next one trains 300 steps (about 15 s) with `mlflow.log_metric`, the last ends the run. The
 * cells run on a real IPython kernel (ipykernel in the MLflow venv) through the test-only kernel
 * extension in fixtures/kernel-extension, which stands in for the Jupyter extension that cannot
 * be installed offline. While the training cell runs, the `matih.live()` output must redraw with
 * new points (at least three different legends and canvas images); at the end it shows step 299
 * and the run FINISHED, as the daemon's API does. Then the demo workspace's train.ipynb, connected
 * and run the same way. One code-server start for the file.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { ensureMlflowVenv } from '../support/mlflow.ts';
import { ROOT } from './support/editor.ts';
import { type RendererState, rendererFrame, rendererState, rendererValue, Sampler, scrollChartIntoView, scrollToLiveChart, withDiagnostics } from './support/live.ts';
import { type ApiRun, type Matih, e2eSkip, snap, startMatih, waitFor } from './support/matih.ts';

const skip = e2eSkip();
let m: Matih;
let tenant: string;
/** Not named like the demo's train.ipynb, which Quick Open would otherwise also offer for it. */
const NOTEBOOK = 'live_loop.ipynb';
const EXPERIMENT = 'live-notebook';
const RUN_NAME = 'notebook-live';
const STEPS = 300;
const LAST = STEPS - 1;

/** What the notebook logs at `step` (the same IEEE doubles in Python and here). */
const lossAt = (step: number): number => 2 / (step + 1);
const accuracyAt = (step: number): number => 1 - Math.exp(-step / 60);

const code = (source: string) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: source.split(/(?<=\n)/) });

/** The notebook as a user writes it; the connect cell comes from the MATIH command. */
const NOTEBOOK_JSON = {
  cells: [
    code(`import math\nimport time\n\nimport matih\nimport mlflow\n\nmlflow.set_experiment("${EXPERIMENT}")\nrun = mlflow.start_run(run_name="${RUN_NAME}")\nmatih.live()`),
    code(
      `start = time.monotonic()\nfor step in range(${STEPS}):\n    loss = 2.0 / (step + 1)\n    accuracy = 1 - math.exp(-step / 60)\n` +
        `    mlflow.log_metric("loss", loss, step=step)\n    mlflow.log_metric("accuracy", accuracy, step=step)\n` +
        `    time.sleep(max(0.0, start + (step + 1) * 0.05 - time.monotonic()))  # about 15 s in all`,
    ),
    code('mlflow.end_run()\nprint("trained", run.info.run_id)'),
  ],
  metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' }, language_info: { name: 'python' } },
  nbformat: 4,
  nbformat_minor: 5,
};

before(async () => {
  if (skip) return;
  const bin = await ensureMlflowVenv({ extras: { ipykernel: 'ipykernel', jupyter_client: 'jupyter_client' } });
  m = await startMatih({
    extensions: [join(ROOT, 'test', 'e2e', 'fixtures', 'kernel-extension')],
    env: { MATIH_TEST_KERNEL_PYTHON: join(bin, 'python') },
  });
  console.log(`editor up (seconds): ${JSON.stringify(m.editor.timings)}`);
  tenant = m.daemon.activeTenant || 'default';
  writeFileSync(join(m.editor.workspace, NOTEBOOK), JSON.stringify(NOTEBOOK_JSON, null, 1));
}, { timeout: 300_000 });

after(async () => {
  await m?.editor.close();
});

const cells = () => m.page.locator('.notebookOverlay .monaco-list-row.code-cell-row');
/** The notebook's cell count, from the status bar's "Cell 1 of 4" (the cell list only renders what is on screen). */
const cellCount = async (): Promise<number | undefined> => {
  const match = /Cell \d+ of (\d+)/.exec(await m.page.locator('.part.statusbar').innerText());
  return match ? Number(match[1]) : undefined;
};

/** The renderer's state, finding its frame again if the output webview was rebuilt. */
function rendererReader(): () => Promise<RendererState | undefined> {
  let frame: Frame | undefined;
  return async () => {
    let state = frame && !frame.isDetached() ? await rendererState(frame).catch(() => undefined) : undefined;
    if (state === undefined) {
      frame = await rendererFrame(m.page);
      state = await rendererState(frame);
    }
    return state;
  };
}

const legendOf = (key: string, step: number, value: number): string => `${key} ${rendererValue(value)} @ ${step}`;

/**
 * Opens a notebook of `count` cells, inserts the connect cell with the MATIH command, runs all
 * cells and waits for the `matih.live()` output; answers its first state and run id.
 */
async function connectAndRunAll(file: string, count: number, experiment: string): Promise<{ first: RendererState; runId: string }> {
  await m.editor.openFile(file);
  await cells().first().waitFor({ timeout: 30_000 });
  await waitFor(`${file}'s ${count} cells`, async () => (await cellCount()) === count, { timeoutMs: 30_000 });
  await m.quick.command('MATIH: Connect Notebook to Tracking');
  await waitFor('the connect cell on top', async () => (await cellCount()) === count + 1 && /matih\.connect\(\)/.test(await cells().first().innerText()));
  await m.editor.runCommand('Notebook: Run All');
  // Once the run exists, its cell has shown matih.live(): scroll to it.
  await waitFor(`a run in experiment ${experiment}`, async () => {
    const found = await m.api.experimentByName(tenant, experiment);
    return found !== undefined && (await m.api.runs(tenant, found.id)).length > 0;
  }, { timeoutMs: 90_000, intervalMs: 500 });
  await scrollToLiveChart(m.page, 30_000);
  const first = await waitFor('the matih.live() output', rendererReader(), { timeoutMs: 30_000 });
  assert.match(first.title, new RegExp(`^Run [0-9a-f]+ · ${tenant}`), `title: ${first.title}`);
  return { first, runId: /^Run ([0-9a-f]+)/.exec(first.title)![1]! };
}

test('a notebook cell training with mlflow redraws the matih.live() output until the run is finished', { skip, timeout: 300_000 }, () => withDiagnostics(m.editor, 'live-notebook', async () => {
  const { runId } = await connectAndRunAll(NOTEBOOK, 3, EXPERIMENT);
  const read = rendererReader();
  const run = await m.api.run(tenant, runId);
  assert.equal(run.name, RUN_NAME);

  let endedAt = Infinity;
  let final: ApiRun | undefined;
  const states = new Sampler(async () => {
    const state = await read();
    return state === undefined ? undefined : { ...state, at: Date.now() };
  }, { key: (s) => `${s.legend.join('|')}#${s.image}#${s.title}` });
  let shot = false;
  try {
    await waitFor('the run to end', async () => {
      const now = await m.api.run(tenant, runId);
      if (!shot && states.seen.filter((s) => s.legend.length > 0).length >= 3) {
        shot = true;
        await snap(m.editor, 'live-notebook-01-training');
      }
      if (now.status === 'running') return undefined;
      endedAt = Date.now();
      final = now;
      return now;
    }, { timeoutMs: 150_000, intervalMs: 500 });
  } finally {
    await states.stop();
  }

  const finalLoss = legendOf('loss', LAST, lossAt(LAST));
  const whileRunning = states.seen.filter((s) => s.at < endedAt && s.legend.length > 0 && !s.legend.includes(finalLoss));
  const legends = new Set(whileRunning.map((s) => s.legend.join(' | ')));
  const images = new Set(whileRunning.map((s) => s.image));
  console.log(`seen while training: ${legends.size} legends, ${images.size} canvas images; e.g. ${[...legends].slice(0, 4).join(' / ')}`);
  assert.ok(legends.size >= 3, `the legend showed at least three different points while the cell trained: ${JSON.stringify([...legends])}`);
  assert.ok(images.size >= 3, `the chart was redrawn at least three times while the cell trained (${images.size} images)`);
  // Every legend seen names a logged point: `loss <value at step s> @ s`.
  const lossSteps = whileRunning.map((s) => {
    const entry = s.legend.find((l) => l.startsWith('loss '));
    const step = Number(/@ (\d+)$/.exec(entry ?? '')?.[1]);
    assert.equal(entry, legendOf('loss', step, lossAt(step)), `legend ${JSON.stringify(s.legend)}`);
    return step;
  });
  assert.deepEqual([...lossSteps].sort((a, b) => a - b), lossSteps, 'the chart only moves forward');

  assert.equal(final?.status, 'finished', `run status: ${final?.status}`);
  assert.equal(final!.metrics.loss, lossAt(LAST));
  const done = await waitFor('the output at step 299, run finished', async () => {
    const s = await read();
    return s && s.legend.includes(finalLoss) && s.legend.includes(legendOf('accuracy', LAST, accuracyAt(LAST))) && /· finished$/.test(s.title) ? s : undefined;
  }, { timeoutMs: 20_000 });
  assert.equal(done.note, '', 'no "waiting" note beside a drawn chart');
  await scrollChartIntoView(m.page, await rendererFrame(m.page));
  await snap(m.editor, 'live-notebook-02-finished');
}));

test('the demo\'s train.ipynb, connected and run, draws its run live and finishes', { skip, timeout: 240_000 }, () => withDiagnostics(m.editor, 'live-notebook-demo', async () => {
  // Only this notebook's output on screen (the first one's webview goes with its editor; saved,
  // so closing asks nothing).
  await m.editor.runCommand('File: Save All Files');
  await m.editor.runCommand('View: Close All Editors');
  await waitFor('no editor open', async () => (await m.page.locator('.tabs-container .tab').count()) === 0);
  const { runId } = await connectAndRunAll('train.ipynb', 6, 'demo-notebook');
  const read = rendererReader();
  const steps = new Sampler(async () => {
    const loss = (await read())?.legend.find((l) => l.startsWith('loss '));
    return loss === undefined ? undefined : /@ (\d+)$/.exec(loss)?.[1];
  });
  let final: ApiRun;
  try {
    final = await waitFor('the demo run to end', async () => {
      const now = await m.api.run(tenant, runId);
      return now.status === 'running' ? undefined : now;
    }, { timeoutMs: 150_000, intervalMs: 500 });
  } finally {
    await steps.stop();
  }
  assert.equal(final.status, 'finished', `the demo notebook's run ended ${final.status}`);
  assert.deepEqual(Object.keys(final.params).sort(), ['batch_size', 'epochs', 'lr', 'seed']);
  assert.ok(steps.seen.length >= 3, `the chart moved while the demo trained: steps ${JSON.stringify(steps.seen)}`);
  await waitFor('the demo chart at epoch 39, finished', async () => {
    const s = await read();
    return s !== undefined && s.legend.some((l) => /^loss \S+ @ 39$/.test(l)) && /· finished$/.test(s.title);
  }, { timeoutMs: 20_000 });
  await scrollChartIntoView(m.page, await rendererFrame(m.page));
  await snap(m.editor, 'live-notebook-03-demo-finished');
}));
