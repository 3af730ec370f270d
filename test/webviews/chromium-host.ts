/**
 * What every panel page's Chromium harness shares, standing in for the editor's webview host: a
 * loopback server serving a panel's built bundle inside the HTML shell the extension renders (the
 * real `buildPanelHtml`: the real CSP and a fresh nonce per load), headless Debian Chromium with
 * the e2e editor's flags, a fake `acquireVsCodeApi`, and the page's problems (console errors, CSP
 * violations, page errors, dialogs) collected so a clean page can be asserted.
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
export const OUT = join(import.meta.dirname, '../../test-results/webviews');
/** The flags test/e2e/support/editor.ts starts Chromium with (no sandbox as root, no GPU, nothing in the background). */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Why a Chromium page of `bundle` cannot load here, or undefined. */
export function chromiumUnavailable(bundle: string): string | undefined {
  if (!existsSync(CHROMIUM)) return `needs ${CHROMIUM}`;
  if (!existsSync(join(DIST, `${bundle}.js`))) return `needs dist/webviews/${bundle}.js (run npm run build)`;
  return undefined;
}

/**
 * The `skip` option for a Chromium test of `bundle`: the reason it cannot run, or false. Under CI
 * a missing piece is an error, not a skip (`npm test` builds the bundles first; CI has Chromium).
 */
export function chromiumSkip(bundle: string): string | false {
  const unavailable = chromiumUnavailable(bundle);
  if (unavailable && process.env.CI) throw new Error(`${bundle} browser test cannot run: ${unavailable}`);
  return unavailable ?? false;
}

export interface ShellServer {
  origin: string;
  /** The HTML shells served so far, in order (one per load). */
  shells: string[];
  /** Their nonces, in the same order. */
  nonces: string[];
  /** The address of `bundle`'s page. */
  url(bundle: string): string;
  close(): Promise<void>;
}

/** Serves `/<bundle>.html` (the shell) and `/dist/<bundle>.js|css` for each of `bundles`; nothing else. */
export async function startShellServer(bundles: readonly string[], title: string): Promise<ShellServer> {
  const shells: string[] = [];
  const nonces: string[] = [];
  let origin = '';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const shell = /^\/([a-z-]+)\.html$/.exec(url.pathname);
    if (shell !== null && bundles.includes(shell[1]!)) {
      const nonce = newNonce();
      const html = buildPanelHtml({
        cspSource: origin,
        scriptUri: `${origin}/dist/${shell[1]}.js`,
        styleUris: [`${origin}/dist/${shell[1]}.css`],
        nonce,
        title,
      });
      nonces.push(nonce);
      shells.push(html);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      return;
    }
    const file = /^\/dist\/([a-z-]+)\.(js|css)$/.exec(url.pathname);
    if (file !== null && bundles.includes(file[1]!)) {
      res.writeHead(200, { 'content-type': file[2] === 'js' ? 'text/javascript' : 'text/css' });
      res.end(readFileSync(join(DIST, `${file[1]}.${file[2]}`)));
      return;
    }
    res.writeHead(url.pathname === '/favicon.ico' ? 204 : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    shells,
    nonces,
    url: (bundle) => `${origin}/${bundle}.html`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

/** Records the page's console errors, CSP refusals, page errors and dialogs in `problems`, its other warnings in `warnings`. */
export function collectProblems(page: Page, problems: string[], warnings?: string[]): void {
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content.Security.Policy|Refused/i.test(m.text())) problems.push(m.text());
    else if (m.type() === 'warning') warnings?.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
}

/**
 * Before the page's scripts run: a fake `acquireVsCodeApi` whose messages land in the page's
 * `__sent` (and go to `__toHost` when the harness exposed one), whose state starts as `state`
 * (as after a reload) and is read back by `__state()`, and CSP violations reported as errors.
 */
export async function installFakeVsCodeApi(page: Page, state: unknown): Promise<void> {
  await page.addInitScript((initial) => {
    const g = globalThis as any;
    const sent: unknown[] = [];
    let current: unknown = initial ?? undefined;
    g.__sent = sent;
    g.__state = () => current;
    g.acquireVsCodeApi = () => ({
      postMessage: (m: unknown) => {
        sent.push(m);
        g.__toHost?.(m);
      },
      getState: () => current,
      setState: (s: unknown) => (current = s),
    });
    g.document.addEventListener('securitypolicyviolation', (e: any) => console.error(`CSP violation: ${e.violatedDirective}`));
  }, state ?? null);
}

/**
 * Delivers `message` as the extension's `postMessage` does: as JSON text parsed in the page
 * (Playwright's own argument encoding is slow for large nested arrays and would be what a
 * benchmark measures).
 */
export function sendToPage(page: Page, message: unknown): Promise<void> {
  return page.evaluate((json) => (globalThis as any).postMessage(JSON.parse(json), '*'), JSON.stringify(message));
}
