/**
 * A stand-in for the editor's webview host, for the inspect panels' Chromium tests and the
 * runs-table bench: a loopback HTTP server serving a panel's built bundle inside the HTML shell
 * the extension renders (same CSP, a fresh nonce per load), and headless Debian Chromium whose
 * pages get a fake `acquireVsCodeApi`. What a page posts is recorded (and handed to `onPost`);
 * `send` delivers a message the way the extension's `postMessage` does.
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
/** The flags test/e2e/support/editor.ts starts Chromium with (no sandbox as root, no GPU). */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export type Bundle = 'runs-table' | 'run-details';

/** Why the Chromium tests cannot run here, or false. */
export function harnessUnavailable(bundle: Bundle): string | false {
  if (!existsSync(CHROMIUM)) return `needs ${CHROMIUM}`;
  if (!existsSync(join(DIST, `${bundle}.js`))) return 'needs npm run build';
  return false;
}

export interface PanelPage {
  page: Page;
  /** Console errors, CSP violations, page errors and dialogs: a clean page has none. */
  problems: string[];
  /** Console warnings (the page logs dropped messages there). */
  warnings: string[];
  /** Every message the page posted, in order. */
  sent(): Promise<{ type: string; [key: string]: unknown }[]>;
  /** Delivers a message as the extension would. */
  send(message: unknown): Promise<void>;
  /** The page's saved state (`setState`). */
  state(): Promise<unknown>;
  /** Waits until the page has posted a message of this type (after `from` earlier ones). */
  waitForSent(type: string, from?: number): Promise<{ type: string; [key: string]: unknown }>;
}

export interface Harness {
  origin: string;
  /** The nonces of the shells served so far, in order. */
  nonces: string[];
  open(bundle: Bundle, options?: { state?: unknown; viewport?: { width: number; height: number }; onPost?: (message: unknown) => void }): Promise<PanelPage>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const nonces: string[] = [];
  let origin = '';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const shell = /^\/(runs-table|run-details)\.html$/.exec(url.pathname);
    if (shell !== null) {
      const nonce = newNonce();
      nonces.push(nonce);
      const html = buildPanelHtml({
        cspSource: origin,
        scriptUri: `${origin}/dist/${shell[1]}.js`,
        styleUris: [`${origin}/dist/${shell[1]}.css`],
        nonce,
        title: 'Panel',
      });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      return;
    }
    const name = url.pathname.replace(/^\/dist\//, '');
    if (/^(runs-table|run-details)\.(js|css)$/.test(name)) {
      res.writeHead(200, { 'content-type': name.endsWith('.js') ? 'text/javascript' : 'text/css' });
      res.end(readFileSync(join(DIST, name)));
      return;
    }
    res.writeHead(url.pathname === '/favicon.ico' ? 204 : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });

  const open: Harness['open'] = async (bundle, options = {}) => {
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 1200, height: 760 } });
    const problems: string[] = [];
    const warnings: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content.Security.Policy|Refused/i.test(m.text())) problems.push(m.text());
      else if (m.type() === 'warning') warnings.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    if (options.onPost !== undefined) await page.exposeFunction('__matihPost', options.onPost);
    await page.addInitScript((initial) => {
      const g = globalThis as any;
      const sent: unknown[] = [];
      let state: unknown = initial ?? undefined;
      g.__sent = sent;
      g.__state = () => state;
      g.acquireVsCodeApi = () => ({
        postMessage: (m: unknown) => {
          sent.push(m);
          g.__matihPost?.(m);
        },
        getState: () => state,
        setState: (s: unknown) => (state = s),
      });
      g.document.addEventListener('securitypolicyviolation', (e: any) => console.error(`CSP violation: ${e.violatedDirective}`));
      // The editor sets its theme's colours as --vscode-* variables on <html> (through the CSSOM,
      // which the CSP allows); these are VS Code's Dark Modern ones.
      const theme: Record<string, string> = {
        'font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
        'font-size': '13px',
        'editor-font-family': '"Droid Sans Mono", monospace',
        foreground: '#cccccc',
        descriptionForeground: '#9d9d9d',
        errorForeground: '#f85149',
        'editor-background': '#1f1f1f',
        focusBorder: '#0078d4',
        'panel-border': '#2b2b2b',
        'editorGroup-border': '#ffffff17',
        'editorWidget-background': '#202020',
        'editorWidget-border': '#313131',
        'widget-shadow': '#0000005c',
        'input-background': '#313131',
        'input-foreground': '#cccccc',
        'input-border': '#3c3c3c',
        'input-placeholderForeground': '#989898',
        'button-background': '#0078d4',
        'button-foreground': '#ffffff',
        'button-hoverBackground': '#026ec1',
        'button-secondaryBackground': '#313131',
        'button-secondaryForeground': '#cccccc',
        'button-secondaryHoverBackground': '#3c3c3c',
        'badge-background': '#616161',
        'badge-foreground': '#f8f8f8',
        'list-hoverBackground': '#2a2d2e',
        'list-activeSelectionBackground': '#04395e',
        'list-activeSelectionForeground': '#ffffff',
        'list-inactiveSelectionBackground': '#37373d',
        'list-focusOutline': '#0078d4',
        'textLink-foreground': '#4daafc',
        'charts-blue': '#3794ff',
        'charts-orange': '#d18616',
        'charts-green': '#89d185',
        'charts-red': '#f14c4c',
        'charts-purple': '#b180d7',
        'charts-yellow': '#cca700',
        'testing-iconPassed': '#73c991',
        'testing-iconFailed': '#f14c4c',
      };
      const apply = (): boolean => {
        const root = g.document.documentElement;
        if (root === null) return false;
        for (const [name, value] of Object.entries(theme)) root.style.setProperty(`--vscode-${name}`, value);
        return true;
      };
      if (!apply()) {
        const observer = new g.MutationObserver(() => apply() && observer.disconnect());
        observer.observe(g.document, { childList: true });
      }
    }, options.state ?? null);
    await page.goto(`${origin}/${bundle}.html`);
    const sent = () => page.evaluate(() => (globalThis as any).__sent as { type: string }[]);
    return {
      page,
      problems,
      warnings,
      sent,
      // As a string, parsed in the page: the editor sends messages as JSON too, and Playwright's
      // own serialisation of a large object would cost far more than the page's work.
      send: (message) => page.evaluate((json) => (globalThis as any).postMessage(JSON.parse(json), '*'), JSON.stringify(message)),
      state: () => page.evaluate(() => (globalThis as any).__state()),
      waitForSent: async (type, from = 0) => {
        const handle = await page.waitForFunction(
          ([t, f]) => ((globalThis as any).__sent as { type: string }[]).slice(f as number).find((m) => m.type === t),
          [type, from] as const,
          { timeout: 10_000 },
        );
        return (await handle.jsonValue()) as { type: string };
      },
    };
  };

  return {
    get origin() {
      return origin;
    },
    nonces,
    open,
    close: async () => {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
