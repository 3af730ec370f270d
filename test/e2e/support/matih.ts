/**
 * What the MATIH end-to-end tests share on top of `editor.ts`: the daemon the extension started
 * (found through its discovery file, driven through its HTTP API to seed data and to check what
 * the UI did), and the sidebar, quick input, context menus, dialogs and status bar item as a user
 * meets them, located by their ARIA roles and labels.
 *
 * Everything waits for a condition; the only fixed pauses are short settles before screenshots.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { type Editor, type EditorOptions, e2eUnavailable, startEditor } from './editor.ts';

// ---------------------------------------------------------------------------------------------
// Start-up

/**
 * The `skip` of every e2e test: false when the editor can run. A missing editor fails the file
 * unless MATIH_E2E=0 says to skip (as in smoke.test.ts).
 */
export function e2eSkip(): string | false {
  const unavailable = process.env.MATIH_E2E === '0' ? 'MATIH_E2E=0' : e2eUnavailable();
  if (unavailable && process.env.MATIH_E2E !== '0') throw new Error(`e2e tests required but cannot run: ${unavailable}`);
  return unavailable ? `e2e: ${unavailable}` : false;
}

export interface Matih {
  editor: Editor;
  page: Page;
  sidebar: Sidebar;
  quick: QuickInput;
  /** The daemon as first started; `Api` for its HTTP API. */
  daemon: Discovery;
  api: Api;
}

/** Starts the editor, opens the MATIH sidebar (activating the extension) and finds its daemon. */
export async function startMatih(options: EditorOptions = {}): Promise<Matih> {
  const editor = await startEditor(options);
  try {
    const sidebar = new Sidebar(editor.page);
    await sidebar.open();
    const daemon = await waitForDaemon(editor);
    await waitForStatus(editor.page, /daemon running/);
    return { editor, page: editor.page, sidebar, quick: new QuickInput(editor.page), daemon, api: new Api(daemon) };
  } catch (err) {
    await editor.screenshot('startup-matih-failure').catch(() => {});
    console.error(`extension host log:\n${editor.extensionHostLog().slice(-3000)}`);
    console.error(`MATIH Experiments log:\n${matihLog(editor).slice(-3000)}`);
    console.error(`${editor.matihHome}: ${existsSync(editor.matihHome) ? readdirSync(editor.matihHome).join(', ') : 'missing'}`);
    await editor.close();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Waiting

/**
 * Polls `check` until it answers something other than undefined/false; fails with `what` and the
 * last value seen. `T` excludes numbers and null: a count of 0 or a missing box would otherwise
 * end the wait at once (compare a count with `> 0` instead).
 */
export async function waitFor<T extends ({ then?: never } & object) | string | true>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 15_000, intervalMs = 150 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError === undefined ? '' : `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

// ---------------------------------------------------------------------------------------------
// The daemon: discovery file and HTTP API

export interface Discovery {
  version: number;
  pid: number;
  port: number;
  url: string;
  token: string;
  activeTenant: string;
  startedAt: string;
  /** Where the file is, and its permission bits (e.g. 0o600). */
  path: string;
  mode: number;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The discovery files in `home`, parsed; files being written (or half-read) are skipped. */
export function discoveryFiles(home: string): Discovery[] {
  if (!existsSync(home)) return [];
  const found: Discovery[] = [];
  for (const name of readdirSync(home)) {
    if (!/^daemon-\d+\.json$/.test(name)) continue;
    const path = join(home, name);
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as Omit<Discovery, 'path' | 'mode'>;
      found.push({ ...parsed, path, mode: statSync(path).mode & 0o777 });
    } catch {
      // Replaced while we read it; the next poll sees the new one.
    }
  }
  return found;
}

/**
 * The running daemon's discovery file: its process is alive, it is not `notPid` (a daemon that
 * was killed), its `/health` answers, and (when given) `activeTenant` matches.
 */
export async function waitForDaemon(
  editor: Editor,
  { notPid, activeTenant, timeoutMs = 30_000 }: { notPid?: number; activeTenant?: string; timeoutMs?: number } = {},
): Promise<Discovery> {
  return waitFor(
    `a live daemon discovery file in ${editor.matihHome}${notPid ? ` other than pid ${notPid}` : ''}${activeTenant ? ` for tenant ${activeTenant}` : ''}`,
    async () => {
      for (const d of discoveryFiles(editor.matihHome)) {
        if (d.pid === notPid || !isAlive(d.pid)) continue;
        if (activeTenant !== undefined && d.activeTenant !== activeTenant) continue;
        const health = await fetch(`${d.url}/health`).catch(() => undefined);
        if (health?.ok) return d;
      }
      return undefined;
    },
    { timeoutMs },
  );
}

export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(method: string, path: string, status: number, body: unknown) {
    super(`${method} ${path} answered ${status}: ${JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

export interface ApiExperiment {
  id: string;
  name: string;
  description: string;
  lifecycle_stage: 'active' | 'deleted';
  tags: Record<string, string>;
}

export interface ApiRun {
  id: string;
  experiment_id: string;
  name: string | null;
  status: 'running' | 'scheduled' | 'finished' | 'failed' | 'killed';
  end_time: string | null;
  tags: Record<string, string>;
  params: Record<string, string>;
  metrics: Record<string, number | null>;
}

/** The daemon's `/api/v1` API, authenticated with the discovery file's token. */
export class Api {
  readonly url: string;
  readonly #token: string;

  constructor(discovery: Pick<Discovery, 'url' | 'token'>) {
    this.url = discovery.url;
    this.#token = discovery.token;
  }

  /** A raw request; `token: null` sends none. Answers status and parsed body. */
  async raw(
    method: string,
    path: string,
    { tenant, body, token }: { tenant?: string; body?: unknown; token?: string | null } = {},
  ): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = {};
    const bearer = token === undefined ? this.#token : token;
    if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
    if (tenant !== undefined) headers['x-tenant-id'] = tenant;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : JSON.parse(text) };
  }

  async call<T>(tenant: string, method: string, path: string, body?: unknown): Promise<T> {
    const { status, body: answer } = await this.raw(method, path, { tenant, body });
    if (status >= 300) throw new ApiError(method, path, status, answer);
    return answer as T;
  }

  createExperiment(tenant: string, body: { name: string; description?: string; tags?: Record<string, string> }): Promise<ApiExperiment> {
    return this.call(tenant, 'POST', '/api/v1/experiments', body);
  }

  experiment(tenant: string, id: string): Promise<ApiExperiment> {
    return this.call(tenant, 'GET', `/api/v1/experiments/${id}`);
  }

  async experiments(tenant: string, view: 'active' | 'deleted' | 'all' = 'active'): Promise<ApiExperiment[]> {
    return (await this.call<{ experiments: ApiExperiment[] }>(tenant, 'GET', `/api/v1/experiments?view=${view}&max_results=1000`)).experiments;
  }

  async experimentByName(tenant: string, name: string): Promise<ApiExperiment | undefined> {
    return (await this.experiments(tenant, 'all')).find((e) => e.name === name);
  }

  createRun(tenant: string, body: { experiment_id: string; name?: string; start_time?: number | string; tags?: Record<string, string> }): Promise<ApiRun> {
    return this.call(tenant, 'POST', '/api/v1/experiments/runs', body);
  }

  run(tenant: string, id: string): Promise<ApiRun> {
    return this.call(tenant, 'GET', `/api/v1/experiments/runs/${id}`);
  }

  async runs(tenant: string, experimentId: string, query: Record<string, string> = {}): Promise<ApiRun[]> {
    const search = new URLSearchParams({ max_results: '1000', ...query });
    return (await this.call<{ runs: ApiRun[] }>(tenant, 'GET', `/api/v1/experiments/${experimentId}/runs?${search}`)).runs;
  }

  logParams(tenant: string, runId: string, params: Record<string, string>): Promise<unknown> {
    return this.call(tenant, 'POST', `/api/v1/experiments/runs/${runId}/params`, { params });
  }

  logMetrics(tenant: string, runId: string, metrics: { key: string; value: number | string; step?: number }[]): Promise<unknown> {
    return this.call(tenant, 'POST', `/api/v1/experiments/runs/${runId}/metrics`, { metrics });
  }

  setTags(tenant: string, runId: string, tags: Record<string, string>): Promise<unknown> {
    return this.call(tenant, 'POST', `/api/v1/experiments/runs/${runId}/tags`, { tags });
  }

  end(tenant: string, runId: string, how: 'finish' | 'fail' | 'kill', endTime?: number): Promise<ApiRun> {
    return this.call(tenant, 'POST', `/api/v1/experiments/runs/${runId}/${how}`, endTime === undefined ? undefined : { end_time: endTime });
  }

  async health(): Promise<{ status: string; backend: string }> {
    return (await this.raw('GET', '/api/v1/health')).body;
  }
}

// ---------------------------------------------------------------------------------------------
// The workbench as a user meets it

/** The quick input (palette, input boxes, quick picks): one widget, reused by each prompt. */
export class QuickInput {
  readonly page: Page;
  readonly widget: Locator;
  readonly input: Locator;

  constructor(page: Page) {
    this.page = page;
    this.widget = page.locator('.quick-input-widget');
    this.input = this.widget.getByRole('textbox');
  }

  async title(): Promise<string> {
    return (await this.widget.locator('.quick-input-title').textContent()) ?? '';
  }

  /** Waits until the widget shows a prompt whose title matches. */
  async waitForTitle(match: RegExp | string, timeoutMs = 15_000): Promise<string> {
    return waitFor(
      `a quick input titled ${match}`,
      async () => {
        if (!(await this.widget.isVisible())) return undefined;
        const title = await this.title();
        return (typeof match === 'string' ? title.includes(match) : match.test(title)) ? title : undefined;
      },
      { timeoutMs },
    );
  }

  /** The message under the input (the prompt, or the validation error), as the input's `aria-describedby` names it. */
  async message(): Promise<string> {
    const id = await this.input.getAttribute('aria-describedby');
    assert.ok(id, 'the quick input names no description');
    return (await this.widget.locator(`[id="${id}"]`).innerText()).trim();
  }

  /** Types `value` and waits until the message under the input matches (validation runs per keystroke). */
  async fillAndExpectMessage(value: string, match: RegExp): Promise<string> {
    await this.input.fill(value);
    return waitFor(`the quick input message to match ${match}`, async () => {
      const message = await this.message();
      return match.test(message) ? message : undefined;
    });
  }

  /** Whether the input shows an error (VS Code marks the box with `error`). */
  async showsError(): Promise<boolean> {
    return (await this.widget.locator('.monaco-inputbox').first().getAttribute('class'))?.includes('error') ?? false;
  }

  /**
   * Answers the prompt titled `title`: types `value`, presses Enter, and waits for the prompt to
   * go (the widget hides, or the next prompt replaces it).
   */
  async answer(title: RegExp | string, value: string): Promise<void> {
    const before = await this.waitForTitle(title);
    await this.input.fill(value);
    // Validation is asynchronous; Enter is ignored while a message is an error.
    await waitFor(`"${value.slice(0, 40)}" to be accepted by "${before}"`, async () => !(await this.showsError()), { timeoutMs: 5_000 });
    await this.input.press('Enter');
    await this.waitForGone(before);
  }

  /** Picks the option whose accessible name matches in the quick pick titled `title`. */
  async choose(title: RegExp | string, option: RegExp): Promise<void> {
    const before = await this.waitForTitle(title);
    const row = this.widget.getByRole('option', { name: option });
    await row.first().waitFor({ timeout: 10_000 });
    await row.first().click();
    await this.waitForGone(before);
  }

  async waitForGone(title: string): Promise<void> {
    await waitFor(`the quick input "${title}" to close`, async () => !(await this.widget.isVisible()) || (await this.title()) !== title, {
      timeoutMs: 10_000,
    });
  }

  /** The options on show, by accessible name. */
  async options(): Promise<string[]> {
    return this.widget.getByRole('option').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  }

  async cancel(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.widget.waitFor({ state: 'hidden', timeout: 5_000 });
  }

  /**
   * Runs a Command Palette command by its full title and returns as soon as the palette is done
   * with it: unlike `editor.runCommand`, this does not require the widget to close, since MATIH
   * commands reuse it for their first prompt.
   */
  async command(title: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await this.page.keyboard.press('F1');
      try {
        await this.waitForPalette(5_000);
        break;
      } catch (err) {
        if (attempt === 2) throw err;
      }
    }
    await this.input.fill(`>${title}`);
    // Its accessible name is the title, then maybe ", recently used" or a keybinding.
    const row = this.widget.getByRole('option', { name: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(,|$)`) });
    try {
      await row.first().waitFor({ timeout: 15_000 });
    } catch {
      const seen = await this.options();
      await this.page.keyboard.press('Escape');
      throw new Error(`no command "${title}" in the palette; it listed: ${JSON.stringify(seen)}`);
    }
    await row.first().click();
    await waitFor(`the palette to run "${title}"`, async () => !(await this.widget.isVisible()) || !(await this.isPalette()), { timeoutMs: 10_000 });
  }

  async isPalette(): Promise<boolean> {
    return ((await this.input.inputValue().catch(() => '')) ?? '').startsWith('>');
  }

  async waitForPalette(timeoutMs: number): Promise<void> {
    await waitFor('the command palette', async () => (await this.widget.isVisible()) && (await this.isPalette()), { timeoutMs });
  }
}

/** The MATIH sidebar: its tree, rows, context menus and title actions. */
export class Sidebar {
  readonly page: Page;
  readonly tree: Locator;

  constructor(page: Page) {
    this.page = page;
    this.tree = page.getByRole('tree', { name: 'Experiments' });
  }

  /** Opens the view container from the activity bar (which activates the extension). */
  async open(): Promise<void> {
    const tab = this.page.locator('.part.activitybar').getByRole('tab', { name: 'MATIH Experiments' });
    const button = (await tab.count()) > 0 ? tab : this.page.locator('.part.activitybar .action-label[aria-label^="MATIH Experiments"]');
    await button.first().click();
    await this.page.locator('.part.sidebar').getByText('MATIH Experiments', { exact: false }).first().waitFor({ timeout: 30_000 });
  }

  /** The welcome content shown in place of an empty tree. */
  welcome(): Locator {
    return this.page.locator('.part.sidebar .welcome-view');
  }

  row(name: string | RegExp): Locator {
    return this.tree.getByRole('treeitem', typeof name === 'string' ? { name, exact: true } : { name });
  }

  /** Accessible names of the rows the tree has rendered, top to bottom. */
  async labels(): Promise<string[]> {
    return this.tree.getByRole('treeitem').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  }

  /** The codicon of a row's icon, e.g. `pass`, `sync`, `archive`. */
  async icon(row: Locator): Promise<string | undefined> {
    const cls = (await row.locator('.custom-view-tree-node-item-icon').first().getAttribute('class')) ?? '';
    return /\bcodicon-(?!colored\b|modifier)([a-z-]+)/.exec(cls)?.[1];
  }

  /**
   * Scrolls the (virtualized) tree until a row with this name is fully on screen; fails when
   * none turns up. Rows off screen are not in the DOM, so it sweeps the list from the top, a
   * screenful at a time, by clicking the scrollbar track (which jumps there), then nudges the
   * row fully into view with the mouse wheel.
   */
  async find(name: string | RegExp, timeoutMs = 15_000): Promise<Locator> {
    const row = this.row(name);
    const scrollable = this.tree.locator('.monaco-scrollable-element').first();
    const track = scrollable.locator(':scope > .scrollbar.vertical').first();
    const slider = track.locator('.slider').first();
    return waitFor(
      `a tree row named ${name}`,
      async () => {
        const box = await scrollable.boundingBox();
        if (!box) return undefined;
        if ((await row.count()) > 0) {
          // Rendered; fully in view? (The list clips rows at its edges.)
          const at = await row.first().boundingBox();
          if (!at) return undefined;
          if (at.y >= box.y && at.y + at.height <= box.y + box.height) return row.first();
          await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
          await this.page.mouse.wheel(0, at.y < box.y ? -100 : 100);
          await this.page.waitForTimeout(20);
          return undefined;
        }
        const bar = await track.boundingBox().catch(() => null);
        const handle = await slider.boundingBox().catch(() => null);
        if (!bar || !handle || handle.height >= bar.height - 1) return undefined; // nothing to scroll
        // A click on the track centers the view there; steps under half a screen apart miss no row.
        const step = (0.45 * handle.height) / bar.height;
        for (let f = 0; f <= 1 + step; f += step) {
          await this.page.mouse.click(bar.x + bar.width / 2, bar.y + Math.min(f, 0.999) * bar.height);
          await this.page.waitForTimeout(20);
          if ((await row.count()) > 0) break;
        }
        return undefined;
      },
      { timeoutMs, intervalMs: 20 },
    );
  }

  /** Expands a row (clicking it, as a user does) unless it is expanded already. */
  async expand(name: string | RegExp): Promise<Locator> {
    const row = await this.find(name);
    if ((await row.getAttribute('aria-expanded')) !== 'true') {
      await row.click();
      await waitFor(`${name} to expand`, async () => (await row.getAttribute('aria-expanded')) === 'true', { timeoutMs: 10_000 });
    }
    return row;
  }

  /** Right-clicks a row and runs the context-menu item with this exact title. */
  async contextMenu(name: string | RegExp, item: string): Promise<void> {
    await runContextMenuItem(this.page, await this.find(name), item, String(name));
  }

  /** The menu items a row's context menu offers (the menu is closed again). */
  async contextMenuItems(name: string | RegExp): Promise<string[]> {
    const row = await this.find(name);
    await row.click({ button: 'right' });
    await this.page.getByRole('menu').first().waitFor({ timeout: 5_000 });
    const items = (await this.page.getByRole('menu').first().getByRole('menuitem').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
    await this.page.keyboard.press('Escape');
    return items;
  }

  /** Clicks one of the view's title actions (Refresh, Show Archived…, Create Experiment…). */
  async titleAction(name: string): Promise<void> {
    const action = this.page.locator('.part.sidebar').getByRole('button', { name, exact: true });
    await action.first().click();
  }
}

/** Right-clicks `row` and runs the context-menu item with this exact title; `of` names the row in errors. */
export async function runContextMenuItem(page: Page, row: Locator, item: string, of: string): Promise<void> {
  await row.click({ button: 'right' });
  const entry = page.getByRole('menuitem', { name: item, exact: true });
  try {
    await entry.waitFor({ timeout: 5_000 });
  } catch {
    const seen = await page.getByRole('menuitem').allInnerTexts();
    await page.keyboard.press('Escape');
    throw new Error(`no "${item}" in the context menu of ${of}; it offered: ${JSON.stringify(seen.filter(Boolean))}`);
  }
  // A click right after the menu opens can be swallowed (VS Code ignores the mouse-up of the
  // right-click that opened it); hovering focuses the item, and Enter runs the focused one.
  await entry.hover();
  await waitFor(`"${item}" to take focus`, () =>
    entry.evaluate((el) => (el.getRootNode() as any).activeElement === el || el.closest('.action-item')?.classList.contains('focused') === true),
  );
  await page.keyboard.press('Enter');
  await entry.waitFor({ state: 'hidden', timeout: 5_000 });
}

/** Runs the context-menu item with this exact title on `file`'s row in the Explorer. */
export async function explorerContextMenu(page: Page, file: string, item: string): Promise<void> {
  await page.keyboard.press('Control+Shift+E');
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: file }).first();
  await row.waitFor({ timeout: 15_000 });
  await runContextMenuItem(page, row, item, `${file} in the Explorer`);
}

/** The extension's status bar item, by its accessible name. */
export function statusItem(page: Page): Locator {
  return page.locator('.part.statusbar').getByRole('button', { name: /^MATIH Experiments:/ });
}

export async function statusLabel(page: Page): Promise<string> {
  return (await statusItem(page).first().getAttribute('aria-label')) ?? '';
}

/** Waits for the status bar item's accessible name to match. */
export async function waitForStatus(page: Page, match: RegExp, timeoutMs = 20_000): Promise<string> {
  return waitFor(`the MATIH status bar item to read ${match}`, async () => {
    const label = await statusLabel(page).catch(() => '');
    return match.test(label) ? label : undefined;
  }, { timeoutMs });
}

/** The modal dialog (notification toasts are `dialog`s too, so the modal's box is named). */
function modal(page: Page): Locator {
  return page.getByRole('dialog').and(page.locator('.monaco-dialog-box'));
}

/** The modal dialog on screen; answers its text. */
export async function dialogText(page: Page): Promise<string> {
  await modal(page).waitFor({ timeout: 10_000 });
  return modal(page).innerText();
}

export async function dialogButton(page: Page, name: string): Promise<void> {
  await modal(page).getByRole('button', { name, exact: true }).click();
  await modal(page).waitFor({ state: 'hidden', timeout: 10_000 });
}

/** Clears every notification (toasts and the center), so the next screenshot shows the view. */
export async function clearNotifications(editor: Editor): Promise<void> {
  await editor.runCommand('Notifications: Clear All Notifications');
  await waitFor('the toasts to go', async () => (await editor.notifications()).length === 0, { timeoutMs: 5_000 });
}

/** Clicks a button on the notification toast whose message matches. */
export async function notificationButton(page: Page, message: RegExp, button: string): Promise<void> {
  const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: message });
  await toast.first().getByRole('button', { name: button, exact: true }).click();
}

/** What the page's clipboard holds (the context is granted clipboard-read). */
export async function clipboardText(page: Page): Promise<string> {
  return page.evaluate(() => (globalThis as any).navigator.clipboard.readText() as Promise<string>);
}

/** The status bar's text, transient messages (`window.setStatusBarMessage`) included. */
export async function statusBarText(page: Page): Promise<string> {
  return page.locator('.part.statusbar').innerText();
}

/** Waits for a transient status bar message (they last a few seconds, so look right away). */
export async function waitForStatusMessage(page: Page, match: RegExp): Promise<string> {
  return waitFor(`a status bar message matching ${match}`, async () => {
    const text = await statusBarText(page);
    return match.test(text) ? text : undefined;
  }, { timeoutMs: 5_000, intervalMs: 50 });
}

/** User settings as the editor saved them (code-server keeps them under the user data dir). */
export function userSettings(editor: Editor): Record<string, unknown> {
  const path = join(editor.userDataDir, 'User', 'settings.json');
  // settings.json may hold comments; the harness writes plain JSON and VS Code keeps it so.
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/**
 * Saves a screenshot under `test-results/e2e/`, with the mouse parked where it raises no hover
 * (tooltips over the tree would hide what the picture is for) and a short settle for animations.
 */
export async function snap(editor: Editor, name: string): Promise<string> {
  await editor.page.mouse.move(900, 600);
  await editor.page.waitForTimeout(250);
  return editor.screenshot(name);
}

/** The extension's own output channel ("MATIH Experiments"), as logged under the user data dir. */
export function matihLog(editor: Editor): string {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === 'MATIH Experiments.log') found.push(readFileSync(path, 'utf8'));
    }
  };
  const logs = join(editor.userDataDir, 'logs');
  if (existsSync(logs)) walk(logs);
  return found.join('\n');
}
