/**
 * Loads the built Live Metrics bundle in headless Chromium under the panel's own CSP, with a fake
 * `acquireVsCodeApi`, feeds it a hostile run name and metric key and a stream of frames, and
 * checks that the charts grow, the payloads stay text, and no CSP violation is reported.
 * Saves a screenshot under test-results/webviews/. Skipped when Chromium or the bundle is absent.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
/** The page's globals, typed loosely: this project has no DOM lib. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Page = any;

import { chromiumSkip, collectProblems, installFakeVsCodeApi, launchChromium, OUT, sendToPage, startShellServer } from './chromium-host.ts';
import type { ShellServer } from './chromium-host.ts';

const HOSTILE_NAME = '"><img src=x onerror=alert(1)></script><script>alert(2)</script>';
const HOSTILE_KEY = '<img src=x onerror=alert(3)>';
const skip = chromiumSkip('live');

describe('Live Metrics panel in Chromium', { skip }, () => {
  let browser: Browser;
  let server: ShellServer;

  before(async () => {
    server = await startShellServer(['live'], HOSTILE_NAME);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('draws growing curves with hostile names as text, under the CSP', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 720 } });
    const problems: string[] = [];
    collectProblems(page, problems);
    await installFakeVsCodeApi(page, undefined);
    await page.goto(server.url('live'));
    await page.waitForFunction(() => (((globalThis as Page).__sent ?? []) as { type: string }[]).some((m) => m.type === 'ready'));
    const send = (message: unknown) => sendToPage(page, message);
    await send({ type: 'run', run: { tenant: 'acme', runId: 'r1', name: HOSTILE_NAME, status: 'RUNNING', startTime: 0 }, reset: true });
    await send({ type: 'run', run: { tenant: 'acme', runId: 'r2', name: 'baseline', status: 'FINISHED', startTime: 0 }, reset: true });
    // Malformed messages are ignored.
    await send({ type: 'html', html: '<img src=x onerror=alert(4)>' });
    await send({ type: 'run', run: { tenant: 'acme', runId: 'r3', name: 'x', status: 'RUNNING', startTime: 0, extra: 1 }, reset: true });
    const history = (runId: string, key: string, from: number, to: number, f: (s: number) => number) =>
      send({ type: 'points', runId, key, points: Array.from({ length: to - from }, (_, i) => [from + i, f(from + i), 1_700_000_000_000 + (from + i) * 100]) });
    await history('r2', 'loss', 0, 300, (s) => 1.2 * Math.exp(-s / 80) + 0.1);
    await history('r2', HOSTILE_KEY, 0, 300, (s) => 0.5 + 0.4 * (1 - Math.exp(-s / 60)));
    const counts: number[] = [];
    for (let step = 0; step < 200; step += 20) {
      await history('r1', 'loss', step, step + 20, (s) => Math.exp(-s / 60) + 0.05 * Math.sin(s));
      await history('r1', HOSTILE_KEY, step, step + 20, (s) => 1 - Math.exp(-s / 50));
      await page.waitForTimeout(120);
      counts.push(await page.evaluate((): number => (globalThis as Page).document.querySelectorAll('.chart canvas').length));
    }
    await send({ type: 'status', runId: 'r1', status: 'FINISHED' });
    await page.waitForTimeout(300);

    assert.deepEqual(problems, []);
    assert.equal(await page.locator('img').count(), 0);
    assert.deepEqual(await page.locator('.run-name').allTextContents(), [HOSTILE_NAME, 'baseline']);
    assert.deepEqual(await page.locator('.chart-key').allTextContents(), [HOSTILE_KEY, 'loss'].sort((a, b) => a.localeCompare(b)));
    assert.equal(await page.locator('.chart canvas').count(), 2);
    assert.deepEqual(await page.locator('.run-status').allTextContents(), ['finished', 'finished']);
    const state = await page.evaluate(() => (globalThis as Page).__sent as unknown[]);
    assert.deepEqual(state, [{ type: 'ready' }]);
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'live-metrics.png'), fullPage: true });

    // Smoothing and the wall-time axis redraw without errors.
    await page.locator('input[type=range]').fill('0.8');
    await page.locator('select').selectOption('time');
    await page.waitForTimeout(300);
    assert.deepEqual(problems, []);
    await page.screenshot({ path: join(OUT, 'live-metrics-smoothed-time.png'), fullPage: true });
    await page.close();
  });
});
