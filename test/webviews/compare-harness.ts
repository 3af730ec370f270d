/**
 * A harness for the built Compare Runs page in headless Chromium (./chromium-host.ts), shared by
 * its browser test and the compare-paint benchmark: what the page posts calls back into Node, so
 * the test plays the extension and can answer as it goes.
 */
import type { Browser, Page } from 'playwright-core';
import { chromiumUnavailable, collectProblems, installFakeVsCodeApi, launchChromium, sendToPage, startShellServer } from './chromium-host.ts';

/** Why the harness cannot run here, or undefined. */
export function harnessUnavailable(): string | undefined {
  return chromiumUnavailable('compare');
}

export interface ComparePage {
  page: Page;
  /** Messages the page posted, in order. */
  sent: unknown[];
  /** Console errors, page errors, dialogs, CSP violations. */
  problems: string[];
  /** The HTML shells served so far (one per load). */
  shells: string[];
  /** Posts a message to the page as the extension does. */
  send(message: unknown): Promise<void>;
  /** The first message of this type the page posted at index `from` or later (default: any), waiting for it if needed. */
  next(type: string, from?: number): Promise<any>;
}

export interface Harness {
  browser: Browser;
  origin: string;
  /** A fresh page with the panel loaded; `state` is what `getState` answers (as after a reload). */
  open(options?: { state?: unknown; width?: number; height?: number; onMessage?: (message: any, page: ComparePage) => void }): Promise<ComparePage>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const server = await startShellServer(['compare'], 'Compare Runs');
  const browser = await launchChromium();

  return {
    browser,
    origin: server.origin,
    async open(options = {}) {
      const page = await browser.newPage({ viewport: { width: options.width ?? 1200, height: options.height ?? 900 } });
      const sent: unknown[] = [];
      const problems: string[] = [];
      const waiters: { type: string; from: number; resolve: (m: unknown) => void }[] = [];
      const handle: ComparePage = {
        page,
        sent,
        problems,
        shells: server.shells,
        send: (message) => sendToPage(page, message),
        next(type, from = 0) {
          const found = sent.slice(from).find((m) => (m as { type?: string }).type === type);
          if (found !== undefined) return Promise.resolve(found);
          return new Promise((resolve) => waiters.push({ type, from, resolve }));
        },
      };
      collectProblems(page, problems);
      await page.exposeFunction('__toHost', (message: unknown) => {
        sent.push(message);
        for (const w of waiters.splice(0)) {
          if ((message as { type?: string }).type === w.type) w.resolve(message);
          else waiters.push(w);
        }
        options.onMessage?.(message, handle);
      });
      await installFakeVsCodeApi(page, options.state);
      await page.goto(server.url('compare'));
      return handle;
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * A minmax reduction as the daemon's `Inspect.series` answers (first, min, max, last per
 * bucket), so the page sees curves shaped like the real ones; the daemon's own reduction is
 * tested with the daemon.
 */
export function reduce(points: readonly [number, number | null, number][], width: number, range?: { min: number; max: number }): [number, number | null, number][] {
  const inRange = range === undefined ? points : points.filter((p) => p[0] >= range.min && p[0] <= range.max);
  if (inRange.length <= 4 * width) return inRange.slice();
  const out: [number, number | null, number][] = [];
  const per = inRange.length / width;
  for (let b = 0; b < width; b++) {
    const bucket = inRange.slice(Math.floor(b * per), Math.floor((b + 1) * per));
    if (bucket.length === 0) continue;
    let lo = bucket[0]!;
    let hi = bucket[0]!;
    for (const p of bucket) {
      if (p[1] !== null && (lo[1] === null || p[1] < lo[1])) lo = p;
      if (p[1] !== null && (hi[1] === null || p[1] > hi[1])) hi = p;
    }
    const picked = [...new Set([bucket[0]!, lo, hi, bucket.at(-1)!])].sort((a, b) => a[0] - b[0]);
    out.push(...picked);
  }
  return out;
}
