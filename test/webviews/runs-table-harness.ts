/**
 * The inspect panels' pages (Runs table, Run details) in headless Chromium (./chromium-host.ts),
 * for their browser tests and the runs-table bench, with VS Code's Dark Modern colours set as the
 * editor sets them. What a page posts is recorded in the page (and handed to `onPost`); `send`
 * delivers a message the way the extension's `postMessage` does.
 */
import type { Page } from 'playwright-core';
import { chromiumUnavailable, collectProblems, installFakeVsCodeApi, launchChromium, sendToPage, startShellServer } from './chromium-host.ts';

export { OUT } from './chromium-host.ts';

export type Bundle = 'runs-table' | 'run-details';

/** Why the Chromium tests cannot run here, or false. */
export function harnessUnavailable(bundle: Bundle): string | false {
  return chromiumUnavailable(bundle) ?? false;
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
  const server = await startShellServer(['runs-table', 'run-details'], 'Panel');
  const browser = await launchChromium();

  const open: Harness['open'] = async (bundle, options = {}) => {
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 1200, height: 760 } });
    const problems: string[] = [];
    const warnings: string[] = [];
    collectProblems(page, problems, warnings);
    if (options.onPost !== undefined) await page.exposeFunction('__toHost', options.onPost);
    await installFakeVsCodeApi(page, options.state);
    await page.addInitScript(() => {
      const g = globalThis as any;
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
    });
    await page.goto(server.url(bundle));
    const sent = () => page.evaluate(() => (globalThis as any).__sent as { type: string }[]);
    return {
      page,
      problems,
      warnings,
      sent,
      send: (message) => sendToPage(page, message),
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
    origin: server.origin,
    nonces: server.nonces,
    open,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}
