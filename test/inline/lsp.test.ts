/** Inline metrics over LSP: code lenses and hovers for a Python document, refreshed calmly while a run logs. */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Experiments, INLINE_OPEN_LIVE_COMMAND, Runs } from '../../protocol/src/index.ts';
import { chartSvg } from '../../server/src/lsp/inline/chart-svg.ts';
import { type InlineDaemon, startInlineDaemon } from './client.ts';

const SCRIPT = [
  'import mlflow',
  '',
  'for step in range(3):',
  '    # mlflow.log_metric("commented", 1)',
  '    mlflow.log_metric("loss", loss, step=step)',
  '    mlflow.log_metrics({',
  '        "acc": acc,',
  '        "never_logged": 0,',
  '    }, step=step)',
].join('\n');

describe('inline metrics over LSP', () => {
  let d: InlineDaemon;
  before(async () => {
    d = await startInlineDaemon();
  });
  after(() => d?.dispose());

  const newRun = async (tenant: string, name: string) => {
    const exp = await d.request(Experiments.create, { tenant, name: `inline-${Math.random()}` });
    const run = await d.request(Runs.create, { tenant, experimentId: exp.id, name });
    await sleep(5); // distinct start times
    return run.id;
  };

  test('the daemon announces code lens, hover and text sync', () => {
    const caps = d.initializeResult.capabilities;
    assert.deepEqual(caps.codeLensProvider, { resolveProvider: false });
    assert.equal(caps.hoverProvider, true);
    assert.deepEqual(caps.textDocumentSync, { openClose: true, change: 1 });
  });

  test('lenses: "(no run yet)", then the active run of the active tenant; hover; refresh at a calm rate', async () => {
    const uri = 'file:///work/project/train.py';
    await d.open(uri, SCRIPT);
    const empty = await d.lenses(uri);
    assert.deepEqual(
      empty.map((l) => [l.range.start, l.command?.title, l.command?.command]),
      [
        [{ line: 4, character: 11 }, 'loss (no run yet)', ''],
        [{ line: 5, character: 11 }, 'acc (no run yet)', ''],
        [{ line: 5, character: 11 }, 'never_logged (no run yet)', ''],
      ],
    );

    // A finished run, then a RUNNING one (the lens shows it), then a newer RUNNING run without the
    // file's keys, and a newer run of another tenant: neither of the last two is shown.
    const old = await newRun('acme', 'old-run');
    await d.logBatch('acme', old, [{ key: 'loss', value: 5, step: 0 }]);
    await d.request(Runs.update, { tenant: 'acme', runId: old, status: 'finished' });
    const active = await newRun('acme', 'active-run');
    await d.logBatch('acme', active, [
      { key: 'loss', value: 0.9, step: 0 },
      { key: 'loss', value: 0.5, step: 1 },
      { key: 'loss', value: 0.25, step: 2 },
      { key: 'acc', value: 0.5, step: 2 },
    ]);
    await newRun('acme', 'unrelated');
    const foreign = await newRun('globex', 'foreign');
    await d.logBatch('globex', foreign, [{ key: 'loss', value: 42, step: 7 }]);
    await sleep(2100); // the active-run cache expires

    const lenses = await d.lenses(uri);
    assert.deepEqual(
      lenses.map((l) => l.command?.title),
      ['loss 0.25 · step 2 · █▄▁', 'acc 0.5 · step 2 · ▄', 'never_logged (no points yet)'],
    );
    assert.deepEqual(lenses[0]!.command, {
      title: 'loss 0.25 · step 2 · █▄▁',
      command: INLINE_OPEN_LIVE_COMMAND,
      arguments: [active, 'acme'],
    });

    const hover = await d.hover(uri, 4, 24); // inside "loss"
    assert.deepEqual(hover?.range, { start: { line: 4, character: 22 }, end: { line: 4, character: 28 } });
    const chart = chartSvg([0.9, 0.5, 0.25].map((value, step) => ({ step, value })))!;
    assert.deepEqual(hover?.contents, {
      kind: 'markdown',
      value: [
        '**loss** · run `active-run` (running) · tenant `acme`',
        '',
        `![chart](data:image/svg+xml;base64,${Buffer.from(chart).toString('base64')})`,
        '',
        'min 0.25 · max 0.9 · last 0.25 at step 2 · steps 0–2 · 3 points',
      ].join('\n'),
    });
    assert.equal(await d.hover(uri, 3, 30), null, 'a commented-out call has no hover');

    // Points for the shown run: refreshes arrive, no more than one per ~2 s, and the lens moves.
    const before = d.refreshes.length;
    const started = performance.now();
    for (let step = 3; step < 33; step++) {
      await d.logBatch('acme', active, [{ key: 'loss', value: 1 / step, step }]);
      await sleep(100);
    }
    await sleep(300);
    const got = d.refreshes.slice(before);
    const elapsed = performance.now() - started;
    assert.ok(got.length >= 1, 'at least one refresh');
    assert.ok(got.length <= Math.ceil(elapsed / 2000) + 1, `${got.length} refreshes in ${Math.round(elapsed)} ms`);
    for (let i = 1; i < got.length; i++) assert.ok(got[i]! - got[i - 1]! >= 1950, 'refreshes at least ~2 s apart');

    const moved = await d.lenses(uri);
    assert.match(moved[0]!.command!.title, /^loss 0\.03125 · step 32 · [▁-█]{16}$/);

    // Points for a run no document shows ask for nothing.
    await sleep(2100);
    const quiet = d.refreshes.length;
    await d.logBatch('acme', old, [{ key: 'loss', value: 1, step: 1 }]);
    await sleep(300);
    assert.equal(d.refreshes.length, quiet);
  });

  test('edits re-scan the document', async () => {
    const uri = 'file:///work/project/edit.py';
    await d.open(uri, 'x = 1\n');
    assert.deepEqual(await d.lenses(uri), []);
    await d.change(uri, 2, 'x = 1\nmlflow.log_metric("brand_new", x)\n');
    assert.deepEqual((await d.lenses(uri)).map((l) => l.command?.title), ['brand_new (no run yet)']);
  });
});
