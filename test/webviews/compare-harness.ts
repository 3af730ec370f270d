/**
 * A harness for the built Compare Runs page in headless Chromium, shared by its browser test and
 * the compare-paint benchmark: a loopback server that serves the panel's HTML shell (the real
 * `buildPanelHtml`, so the real CSP and a fresh nonce per load) and the bundle from dist/webviews,
 * and a fake `acquireVsCodeApi` whose `postMessage` calls back into Node — the test plays the
 * extension. Console errors, page errors, dialogs and CSP violations are collected as problems.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { buildPanelHtml, newNonce } from '../../client/src/panels/html.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const DIST = join(import.meta.dirname, '../../dist/webviews');
/** Flags as the e2e editor uses them (no sandbox as root, no GPU, nothing in the background). */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Why the harness cannot run here, or undefined. */
export function harnessUnavailable(): string | undefined {
  if (!existsSync(CHROMIUM)) return `no ${CHROMIUM}`;
  if (!existsSync(join(DIST, 'compare.js'))) return 'no dist/webviews/compare.js (run npm run build)';
  return undefined;
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
  const shells: string[] = [];
  let origin = '';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/') {
      const html = buildPanelHtml({
        cspSource: origin,
        scriptUri: `${origin}/dist/compare.js`,
        styleUris: [`${origin}/dist/compare.css`],
        nonce: newNonce(),
        title: 'Compare Runs',
      });
      shells.push(html);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      return;
    }
    const name = url.pathname.replace(/^\/dist\//, '');
    if (name === 'compare.js' || name === 'compare.css') {
      res.writeHead(200, { 'content-type': name.endsWith('.js') ? 'text/javascript' : 'text/css' });
      res.end(readFileSync(join(DIST, name)));
      return;
    }
    res.writeHead(url.pathname === '/favicon.ico' ? 204 : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });

  return {
    browser,
    origin,
    async open(options = {}) {
      const page = await browser.newPage({ viewport: { width: options.width ?? 1200, height: options.height ?? 900 } });
      const sent: unknown[] = [];
      const problems: string[] = [];
      const waiters: { type: string; from: number; resolve: (m: unknown) => void }[] = [];
      const handle: ComparePage = {
        page,
        sent,
        problems,
        shells,
        // As JSON text, as VS Code's postMessage carries it (Playwright's own argument encoding
        // is slow for large nested arrays and would be what a benchmark measures).
        send: (message) => page.evaluate((json) => (globalThis as any).postMessage(JSON.parse(json), '*'), JSON.stringify(message)),
        next(type, from = 0) {
          const found = sent.slice(from).find((m) => (m as { type?: string }).type === type);
          if (found !== undefined) return Promise.resolve(found);
          return new Promise((resolve) => waiters.push({ type, from, resolve }));
        },
      };
      page.on('console', (m) => {
        if (m.type() === 'error' || /Content.Security.Policy|Refused/i.test(m.text())) problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(String(e)));
      page.on('dialog', (d) => {
        problems.push(`dialog: ${d.message()}`);
        void d.dismiss();
      });
      await page.exposeFunction('__toExtension', (message: unknown) => {
        sent.push(message);
        for (const w of waiters.splice(0)) {
          if ((message as { type?: string }).type === w.type) w.resolve(message);
          else waiters.push(w);
        }
        options.onMessage?.(message, handle);
      });
      await page.addInitScript((initial) => {
        let state: unknown = initial ?? undefined;
        const g = globalThis as any;
        g.__state = () => state;
        g.acquireVsCodeApi = () => ({
          postMessage: (m: unknown) => void g.__toExtension(m),
          getState: () => state,
          setState: (s: unknown) => (state = s),
        });
        g.document.addEventListener('securitypolicyviolation', (e: any) => console.error(`CSP violation: ${e.violatedDirective}`));
      }, options.state ?? null);
      await page.goto(`${origin}/`);
      return handle;
    },
    async close() {
      await browser.close();
      server.close();
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
