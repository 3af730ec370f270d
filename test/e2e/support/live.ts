/**
 * What the live e2e tests (live, live-script, live-notebook) read off the screen: the code lens
 * texts above `log_metric` calls, the Live Metrics panel's chart captions and run list, the
 * notebook renderer's chart, and a sampler that records what they showed while a run streamed.
 *
 * Webviews (the panel, notebook outputs) live in frames code-server nests inside the workbench;
 * a frame is found by what its page holds, not by its position.
 */
import type { Frame, Page } from 'playwright-core';
import type { Editor } from './editor.ts';
import { matihLog, snap, waitFor } from './matih.ts';

/** Runs a test body; on failure saves `<name>-failure.png` and prints the extension's log tail. */
export async function withDiagnostics(editor: Editor, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    await snap(editor, `${name}-failure`).catch(() => {});
    console.error(`MATIH Experiments log (tail):\n${matihLog(editor).slice(-4000)}`);
    throw err;
  }
}

/** A value as the code lens formats it (server/src/lsp/inline/render.ts). */
export const lensValue = (v: number): string => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))));

/** A value as the Live panel's caption formats it (webviews/src/live/main.ts). */
export const panelValue = (v: number): string =>
  Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toPrecision(4);

/** A value as the notebook renderer's legend formats it (webviews/src/notebook-renderer/chart.ts). */
export const rendererValue = (v: number): string =>
  v === 0 ? '0' : Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3 ? v.toExponential(1) : String(Number(v.toPrecision(4)));

// ---------------------------------------------------------------------------------------------
// Code lens

/** The code lens texts the editor shows for the visible editors. */
export async function lensTexts(page: Page): Promise<string[]> {
  return (await page.locator('.monaco-editor .codelens-decoration').allInnerTexts()).map((t) => t.trim());
}

/** Waits for a code lens containing `want` (e.g. `loss 0.5 · step 3`); answers its whole text. */
export async function waitForLens(page: Page, want: string, timeoutMs = 20_000): Promise<string> {
  let seen: string[] = [];
  try {
    return await waitFor(`a code lens "${want} · …"`, async () => {
      seen = await lensTexts(page);
      return seen.find((t) => t.includes(want));
    }, { timeoutMs });
  } catch (err) {
    throw new Error(`${(err as Error).message}; lenses on screen: ${JSON.stringify(seen)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Webview frames

/** The first frame (other than the workbench) whose page has an element matching `selector`, if any now. */
export async function findFrame(page: Page, selector: string): Promise<Frame | undefined> {
  for (const frame of page.frames()) {
    if (frame === page.mainFrame() || frame.isDetached()) continue;
    const found = await frame.evaluate((s) => (globalThis as any).document.querySelector(s) !== null, selector).catch(() => false);
    if (found) return frame;
  }
  return undefined;
}

/** Waits for a frame whose page has an element matching `selector`. */
export async function frameWith(page: Page, selector: string, what: string, timeoutMs = 20_000): Promise<Frame> {
  return waitFor(what, () => findFrame(page, selector), { timeoutMs });
}

/** The webview frame holding the Live Metrics page (the inner iframe code-server nests it in). */
export function panelFrame(page: Page): Promise<Frame> {
  return frameWith(page, '.charts', 'the Live Metrics webview frame');
}

/** The caption of one metric's chart in the Live panel ("last 0.6670"), or undefined while it is not drawn. */
export async function chartCaption(frame: Frame, key: string): Promise<string | undefined> {
  return frame.evaluate((wanted) => {
    const doc = (globalThis as any).document;
    for (const chart of doc.querySelectorAll('section.chart')) {
      if (chart.querySelector('.chart-key')?.textContent === wanted) return chart.querySelector('.chart-caption')?.textContent ?? '';
    }
    return undefined;
  }, key);
}

/** The metric keys the Live panel draws a chart for, in page order. */
export async function chartKeys(frame: Frame): Promise<string[]> {
  return frame.locator('section.chart .chart-key').allTextContents();
}

/** The Live panel's run list, one text per run (name, status word). */
export async function panelRuns(frame: Frame): Promise<string[]> {
  return frame.locator('ul.runs li').allInnerTexts();
}

// ---------------------------------------------------------------------------------------------
// Notebook renderer

/** What the `matih.live()` output shows: its title line, legend entries and the canvas's pixels. */
export interface RendererState {
  title: string;
  note: string;
  legend: string[];
  /** A hash of the canvas's pixels (its PNG data URL): a new one means the chart was redrawn differently. */
  image: string;
}

const LIVE_CHART = '.matih-live';

/** The frame of the notebook's output webview that holds a MATIH live chart. */
export function rendererFrame(page: Page, timeoutMs = 30_000): Promise<Frame> {
  return frameWith(page, LIVE_CHART, 'the notebook output frame with the MATIH live chart', timeoutMs);
}

/**
 * Scrolls the open notebook down, as a user does, until a MATIH live chart is rendered: VS Code
 * renders a cell's outputs only once the cell comes into view.
 */
export async function scrollToLiveChart(page: Page, timeoutMs = 90_000): Promise<Frame> {
  const list = page.locator('.notebookOverlay .monaco-list').first();
  return waitFor('a MATIH live chart in the notebook', async () => {
    const frame = await findFrame(page, LIVE_CHART);
    if (frame !== undefined) return frame;
    const box = await list.boundingBox();
    if (box) {
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.wheel(0, 200);
    }
    return undefined;
  }, { timeoutMs, intervalMs: 300 });
}

/** Scrolls the notebook until the live chart in `frame` is on screen (for a screenshot). */
export async function scrollChartIntoView(page: Page, frame: Frame): Promise<void> {
  const list = page.locator('.notebookOverlay .monaco-list').first();
  await waitFor('the live chart on screen', async () => {
    const [view, chart] = await Promise.all([list.boundingBox(), frame.locator(LIVE_CHART).first().boundingBox()]);
    if (!view || !chart) return undefined;
    const overBottom = chart.y + chart.height - (view.y + view.height);
    const overTop = view.y - chart.y;
    if (overBottom <= 0 && overTop <= 0) return true;
    await page.mouse.move(view.x + view.width / 2, view.y + view.height / 2);
    await page.mouse.wheel(0, overBottom > 0 ? Math.min(overBottom + 20, 400) : -Math.min(overTop + 20, 400));
    return undefined;
  }, { timeoutMs: 10_000, intervalMs: 200 });
}

export async function rendererState(frame: Frame): Promise<RendererState | undefined> {
  return frame.evaluate(() => {
    const root = (globalThis as any).document.querySelector('.matih-live');
    if (root === null) return undefined;
    const [title, note, canvas, legend] = root.children;
    const png: string = canvas?.toDataURL?.() ?? '';
    let hash = 0;
    for (let i = 0; i < png.length; i++) hash = (Math.imul(hash, 31) + png.charCodeAt(i)) | 0;
    return {
      title: title?.textContent ?? '',
      note: note?.style.display === 'none' ? '' : (note?.textContent ?? ''),
      legend: [...(legend?.children ?? [])].map((item: any) => item.textContent as string),
      image: `${png.length}:${(hash >>> 0).toString(16)}`,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Sampling while a run streams

/**
 * Polls `read` every `intervalMs` until `stop()`; keeps each distinct value in the order first
 * seen. A failed read (a frame reloading) is skipped, not fatal.
 */
export class Sampler<T> {
  readonly seen: T[] = [];
  readonly #keys = new Set<string>();
  #running = true;
  readonly #done: Promise<void>;

  constructor(read: () => Promise<T | undefined>, { intervalMs = 150, key = (v: T) => JSON.stringify(v) }: { intervalMs?: number; key?: (v: T) => string } = {}) {
    this.#done = (async () => {
      while (this.#running) {
        const value = await read().catch(() => undefined);
        if (value !== undefined && !this.#keys.has(key(value))) {
          this.#keys.add(key(value));
          this.seen.push(value);
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    })();
  }

  async stop(): Promise<T[]> {
    this.#running = false;
    await this.#done;
    return this.seen;
  }
}
