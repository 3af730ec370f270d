/**
 * The built Run details bundle in headless Chromium under the panel's own CSP, with a fake
 * `acquireVsCodeApi`: a run whose name, params, tags, metric keys, source and error texts carry
 * HTML and script payloads renders them as text; the page asks for the curves of the charts in
 * view and draws them (min / max from the daemon's exact extremes); the buttons post their
 * messages; malformed messages are dropped. Screenshots in test-results/webviews/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunDetails } from '../../protocol/src/index.ts';
import { chromiumSkip } from './chromium-host.ts';
import { OUT, startHarness } from './runs-table-harness.ts';
import type { Harness } from './runs-table-harness.ts';

const HOSTILE = '"><img src=x onerror=alert(1)></script><script>alert(2)</script>';
const HOSTILE_KEY = '<img src=x onerror=alert(3)>';
const skip = chromiumSkip('run-details');

const RUN: RunDetails = {
  tenant: 'acme',
  id: '0123456789abcdef0123456789abcdef',
  experimentId: '7',
  experimentName: `churn ${HOSTILE}`,
  name: HOSTILE,
  status: 'finished',
  archived: false,
  startTime: Date.UTC(2026, 10, 27, 10, 0, 0),
  endTime: Date.UTC(2026, 10, 27, 10, 42, 17),
  user: HOSTILE,
  source: `/home/ada/${HOSTILE}/train.py`,
  sourceType: 'LOCAL',
  gitCommit: null,
  params: { lr: '0.001', batch_size: '64', [HOSTILE_KEY]: HOSTILE, notes: `javascript:alert(1) command:workbench.action.terminal.new ${'long value '.repeat(30)}` },
  metrics: { loss: 0.0812, accuracy: 0.9731, [HOSTILE_KEY]: 1, empty_metric: null },
  tags: { team: HOSTILE, 'mlflow.user': 'ada', 'matih.tenant_id': 'acme', '\u202eevil': 'rtl' },
  artifacts: { paths: ['model/model.pkl', `plots/${HOSTILE}.png`], count: 2 },
};

function curve(key: string, n: number, f: (s: number) => number) {
  const points = Array.from({ length: n }, (_, s) => [s, f(s)] as [number, number]);
  const values = points.map((p) => p[1]);
  return { key, points, totalPoints: n, reduced: false, min: Math.min(...values), max: Math.max(...values), last: points[n - 1]! };
}

describe('Run details panel in Chromium', { skip }, () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness();
    mkdirSync(OUT, { recursive: true });
  });
  after(async () => harness?.close());

  it('renders the run as text, asks for the curves in view and draws them', async () => {
    const p = await harness.open('run-details', { viewport: { width: 1000, height: 1100 } });
    assert.deepEqual(await p.waitForSent('ready'), { type: 'ready' });
    await p.send({ type: 'run', run: RUN });
    await p.page.locator('h1.title', { hasText: HOSTILE }).waitFor();
    assert.equal(await p.page.locator('img').count(), 0);
    assert.equal(await p.page.locator('script').count(), 1);
    const overview = await p.page.locator('.overview').innerText();
    assert.ok(overview.includes(`/home/ada/${HOSTILE}/train.py (local)`), overview);
    assert.ok(overview.includes('42m 17s'), overview);
    assert.ok(overview.includes(RUN.id), overview);
    // Params, then user tags (mlflow.* and the tenant tag left out), each in reading order.
    assert.deepEqual(await p.page.locator('.kv th.key').allTextContents(), [HOSTILE_KEY, 'batch_size', 'lr', 'notes', '\u202eevil', 'team']);
    assert.ok((await p.page.locator('.kv td.value').allTextContents()).includes(HOSTILE));

    const ask = (await p.waitForSent('loadSeries')) as unknown as { keys: string[]; width: number };
    assert.deepEqual([...ask.keys].sort(), [HOSTILE_KEY, 'accuracy', 'empty_metric', 'loss'].sort());
    assert.ok(ask.width >= 100 && ask.width <= 600, `width ${ask.width}`);
    await p.send({
      type: 'series',
      series: [
        curve('loss', 500, (s) => 2 * Math.exp(-s / 80) + 0.08),
        curve('accuracy', 500, (s) => 0.5 + 0.47 * (1 - Math.exp(-s / 60))),
        curve(HOSTILE_KEY, 1, () => 1),
        { key: 'empty_metric', points: [], totalPoints: 0, reduced: false, min: null, max: null, last: null },
      ],
    });
    await p.page.locator('.chart canvas').nth(1).waitFor();
    assert.equal(await p.page.locator('.chart canvas').count(), 2);
    const lossRow = p.page.locator('tr', { has: p.page.locator('th.key', { hasText: /^loss$/ }) });
    assert.deepEqual(await lossRow.locator('td.numeric').allTextContents(), ['0.0812', '0.08391', '2.08', '500 points']);
    await p.page.screenshot({ path: join(OUT, 'run-details.png'), fullPage: true });

    // Buttons post their messages.
    const mark = (await p.sent()).length;
    await p.page.getByRole('button', { name: 'Copy run ID' }).click();
    await p.waitForSent('copyRunId', mark);
    await p.page.getByRole('button', { name: 'Show in sidebar' }).click();
    await p.waitForSent('showArtifacts', mark);
    await p.page.getByRole('button', { name: 'Refresh' }).click();
    await p.waitForSent('refresh', mark);
    // The page keeps the run for a restore.
    assert.deepEqual(await p.state(), { tenant: 'acme', runId: RUN.id });
    assert.deepEqual(p.problems, []);
    await p.page.close();
  });

  it('shows errors as text and drops malformed messages', async () => {
    const p = await harness.open('run-details');
    await p.waitForSent('ready');
    await p.send({ type: 'error', message: `Run not found: ${HOSTILE}` });
    await p.page.locator('[role=alert]:not(.hidden)').waitFor();
    assert.equal(await p.page.locator('[role=alert]').textContent(), `Run not found: ${HOSTILE}`);
    await p.send({ type: 'run', run: { ...RUN, extra: '<img src=x onerror=alert(4)>' } });
    await p.send({ type: 'run', run: { ...RUN, tenant: 'NOT VALID' } });
    await p.send({ type: 'html', html: '<img src=x onerror=alert(5)>' });
    await p.page.waitForTimeout(100);
    assert.equal(p.warnings.filter((w) => /ignored a malformed message/.test(w)).length, 3);
    assert.equal(await p.page.locator('.section').count(), 0);
    assert.equal(await p.page.locator('img').count(), 0);
    // A run with nothing logged says so in each section.
    await p.send({ type: 'run', run: { ...RUN, params: {}, metrics: {}, tags: {}, artifacts: { paths: [], count: 0 }, endTime: null, status: 'running', user: null, source: null, sourceType: null } });
    await p.page.locator('.section').first().waitFor();
    const text = await p.page.locator('main').innerText();
    for (const expected of ['No parameters logged.', 'No metrics logged.', 'No tags', 'no artifacts yet', 'still running', 'so far']) assert.ok(text.includes(expected), expected);
    await p.page.screenshot({ path: join(OUT, 'run-details-empty.png'), fullPage: true });
    assert.deepEqual(p.problems, []);
    await p.page.close();
  });
});
