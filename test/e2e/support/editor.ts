/**
 * The extension in a real editor, for end-to-end tests: code-server 4.139 (VS Code 1.139) on a
 * free loopback port, the packaged VSIX installed into a fresh extensions folder, a copy of the
 * demo workspace opened in Debian's Chromium driven by playwright-core.
 *
 * code-server and Chromium come from `node scripts/install-code-server.ts`; `e2eUnavailable()`
 * says whether they are there. Screenshots go to the git-ignored `test-results/e2e/`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const RESULTS_DIR = join(ROOT, 'test-results', 'e2e');
export const DEMO_DIR = join(ROOT, 'demo');

interface Manifest {
  name: string;
  publisher: string;
  version: string;
  displayName?: string;
  activationEvents?: string[];
  contributes?: Record<string, any>;
}

/** The extension manifest (the root `package.json`). */
export function manifest(): Manifest {
  return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
}

/** `publisher.name`, as the editor lists the extension. */
export function extensionId(): string {
  const m = manifest();
  return `${m.publisher}.${m.name}`.toLowerCase();
}

/** What `scripts/install-code-server.ts --check --json` reports. */
interface Toolchain {
  missing: string[];
  node: string;
  codeServer: string;
  chromium: string;
}

function scriptNode(): string {
  return Number(process.versions.node.split('.')[0]) >= 24 ? process.execPath : join(ROOT, 'node_modules', '.bin', 'node');
}

let toolchainCache: Toolchain | undefined;

/** Where code-server, its Node and Chromium are, and what is missing; asks the install script. */
export function toolchain(): Toolchain {
  if (toolchainCache) return toolchainCache;
  const result = spawnSync(scriptNode(), [join(ROOT, 'scripts', 'install-code-server.ts'), '--check', '--json'], { encoding: 'utf8' });
  try {
    toolchainCache = JSON.parse(result.stdout) as Toolchain;
  } catch {
    throw new Error(`scripts/install-code-server.ts --check failed:\n${result.stdout}${result.stderr}`);
  }
  return toolchainCache;
}

/** The project's VSIX, packaged by `scripts/package.ts` unless it is newer than its sources. */
export function ensureVsix(): string {
  // e2e files run in parallel (`npm test` runs two at a time): one packages, the others wait for
  // it rather than writing the same VSIX at once and installing a half-written one.
  const release = lockSync(join(ROOT, 'test-results', '.vsix.lock'));
  try {
    const result = spawnSync(scriptNode(), [join(ROOT, 'scripts', 'package.ts'), '--reuse'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (result.status !== 0) throw new Error(`scripts/package.ts failed:\n${result.stdout}`);
  } finally {
    release();
  }
  const m = manifest();
  return join(ROOT, `${m.name}-${m.version}.vsix`);
}

/** Packs an extension folder into a VSIX under `temp` with vsce (a copy, so the folder stays clean). */
function packFolder(folder: string, temp: string): string {
  const name = basename(folder);
  const staging = join(temp, `pack-${name}`);
  const out = join(temp, `${name}.vsix`);
  cpSync(folder, staging, { recursive: true });
  const vsce = join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  const args = [vsce, 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--out', out];
  const result = spawnSync(scriptNode(), args, { cwd: staging, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`packing ${folder} failed:\n${result.stdout}${result.stderr}`);
  return out;
}

/** A cross-process lock (a directory, created atomically); a lock older than 10 minutes is stale. */
function lockSync(path: string, timeoutMs = 600_000): () => void {
  mkdirSync(join(path, '..'), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(path);
      return () => rmSync(path, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 600_000) rmSync(path, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`${path} stayed locked for ${timeoutMs / 1000} s`);
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}

export interface EditorOptions {
  /** Folder copied to a temp dir and opened; default `demo/`. */
  workspace?: string;
  /** VSIX to install; default the project's, packaged when older than its sources. */
  vsix?: string;
  /**
   * Extension folders installed beside MATIH (test-only stand-ins such as
   * `test/e2e/fixtures/kernel-extension`), each packed into a throw-away VSIX first.
   */
  extensions?: string[];
  /** User settings on top of the test defaults (no welcome page, no telemetry, no AI features). */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server and so the extension host. */
  env?: Record<string, string>;
  viewport?: { width: number; height: number };
}

export interface Editor {
  /** The workbench URL, with the workspace folder. */
  url: string;
  page: Page;
  context: BrowserContext;
  /** The opened (copied) workspace folder. */
  workspace: string;
  userDataDir: string;
  /** The `MATIH_HOME` the extension host (and so the daemon) runs with: data, discovery files. */
  matihHome: string;
  extensionsDir: string;
  /** `--list-extensions --show-versions` after installing the VSIX, e.g. `matih.matih-experiments@0.1.0`. */
  installed: string[];
  /** Seconds each start-up step took: vsix, install, server, browser, workbench. */
  timings: Record<string, number>;
  /** code-server's own output so far. */
  serverLog(): string;
  /** The remote extension host's log (activations, errors), read from the user data dir. */
  extensionHostLog(): string;
  /** Runs a code-server CLI command against this editor's user data and extensions folders. */
  cli(args: string[]): string;
  /** Runs a Command Palette command by its title, as typed there (e.g. `View: Toggle Terminal`). */
  runCommand(title: string): Promise<void>;
  /** Opens a workspace file through Quick Open. */
  openFile(relativePath: string): Promise<void>;
  /** The notification toasts on screen, message texts. */
  notifications(): Promise<string[]>;
  /** Waits for a notification toast whose message matches; returns its text. */
  waitForNotification(match: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Saves a full-page screenshot to `test-results/e2e/<name>.png`; returns its path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Why the e2e tests cannot run here (install hint included), or undefined when they can. */
export function e2eUnavailable(): string | undefined {
  const { missing } = toolchain();
  if (missing.length === 0) return undefined;
  return `missing ${missing.join(' and ')}; run \`node scripts/install-code-server.ts\``;
}

/** Test-friendly defaults: nothing opens by itself, nothing phones home. */
const DEFAULT_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
};

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Kills a detached process group; `wait` for its exit, SIGKILL after 5 s. */
async function killGroup(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid!, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {}
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

export async function startEditor(options: EditorOptions = {}): Promise<Editor> {
  const unavailable = e2eUnavailable();
  if (unavailable) throw new Error(unavailable);
  const timings: Record<string, number> = {};
  let last = performance.now();
  const lap = (step: string) => {
    const now = performance.now();
    timings[step] = Math.round((now - last) / 100) / 10;
    last = now;
  };
  const vsix = options.vsix ?? ensureVsix();
  lap('vsix');
  const { node, codeServer, chromium: executablePath } = toolchain();
  const temp = mkdtempSync(join(tmpdir(), 'matih-e2e-'));
  const userDataDir = join(temp, 'user-data');
  const extensionsDir = join(temp, 'extensions');
  const workspace = join(temp, 'workspace');
  const config = join(temp, 'code-server.yaml');
  cpSync(options.workspace ?? DEMO_DIR, workspace, { recursive: true });
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, ...options.settings }, null, 2));
  writeFileSync(config, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  const matihHome = options.env?.MATIH_HOME ?? join(temp, 'matih-home');
  const env = { ...process.env, MATIH_HOME: matihHome, ...options.env };
  const baseArgs = [codeServer, '--config', config, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  const cli = (args: string[]): string => {
    const result = spawnSync(node, [...baseArgs, ...args], { encoding: 'utf8', env, timeout: 120_000 });
    if (result.status !== 0) throw new Error(`code-server ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout}${result.stderr}`);
    return result.stdout;
  };
  cli(['--install-extension', vsix, '--force']);
  for (const folder of options.extensions ?? []) cli(['--install-extension', packFolder(folder, temp), '--force']);
  const installed = cli(['--list-extensions', '--show-versions']).split('\n').map((l) => l.trim()).filter(Boolean);
  lap('install');

  const server = spawn(
    node,
    [...baseArgs, '--auth', 'none', '--bind-addr', '127.0.0.1:0', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened'],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  server.stdout!.on('data', (c: Buffer) => (log += c));
  server.stderr!.on('data', (c: Buffer) => (log += c));
  const exited = new Promise<void>((resolve) => server.on('exit', () => resolve()));
  // Never leave code-server behind, even when the test process dies on an error.
  const onExit = () => {
    try {
      process.kill(-server.pid!, 'SIGKILL');
    } catch {}
  };
  process.on('exit', onExit);

  let context: BrowserContext | undefined;
  const close = async () => {
    await context?.close().catch(() => {});
    await killGroup(server, exited);
    process.off('exit', onExit);
    if (process.env.MATIH_E2E_KEEP) console.error(`[e2e] kept ${temp} (MATIH_E2E_KEEP)`);
    else rmSync(temp, { recursive: true, force: true });
  };

  try {
    const base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`code-server did not start in 30 s:\n${log}`)), 30_000);
      const check = () => {
        const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      server.stdout!.on('data', check);
      server.stderr!.on('data', check);
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`code-server exited before listening:\n${log}`));
      });
    });
    const url = `${base}/?folder=${encodeURIComponent(workspace)}`;
    lap('server');

    context = await chromium.launchPersistentContext(join(temp, 'chromium'), {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: options.viewport ?? { width: 1440, height: 900 },
      // Lets tests read what the extension copied (`navigator.clipboard.readText()`).
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    lap('browser');
    await page.goto(url);
    await waitForWorkbench(page);
    lap('workbench');

    const editor: Editor = {
      url,
      page,
      context,
      workspace,
      userDataDir,
      matihHome,
      extensionsDir,
      installed,
      timings,
      serverLog: () => log,
      extensionHostLog: () => readExtensionHostLog(userDataDir),
      cli,
      runCommand: (title) => runCommand(page, title),
      openFile: (path) => openFile(page, path),
      notifications: () => notificationTexts(page),
      waitForNotification: (match, timeoutMs = 15_000) => waitForNotification(page, match, timeoutMs),
      screenshot: async (name) => {
        mkdirSync(RESULTS_DIR, { recursive: true });
        const path = join(RESULTS_DIR, `${name}.png`);
        await page.screenshot({ path });
        return path;
      },
      close,
    };
    return editor;
  } catch (err) {
    if (context) {
      mkdirSync(RESULTS_DIR, { recursive: true });
      await context.pages()[0]?.screenshot({ path: join(RESULTS_DIR, 'startup-failure.png') }).catch(() => {});
    }
    await close();
    throw err;
  }
}

/**
 * The workbench is up when its parts are laid out and the remote connection serves the
 * workspace: the Explorer lists the folder's files (so the workspace must not be empty).
 */
async function waitForWorkbench(page: Page): Promise<void> {
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60_000 });
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 30_000 });
  const explorerRow = page.locator('.explorer-folders-view .monaco-list-row').first();
  if (!(await explorerRow.isVisible())) {
    await page.keyboard.press('Control+Shift+E');
  }
  await explorerRow.waitFor({ timeout: 60_000 });
}

const quickInput = (page: Page): Locator => page.locator('.quick-input-widget');

async function openQuickInput(page: Page, prefix: string): Promise<Locator> {
  const widget = quickInput(page);
  const input = widget.locator('input.input');
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press(prefix === '>' ? 'F1' : 'Control+P');
    try {
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      break;
    } catch (err) {
      if (attempt === 2) throw err;
    }
  }
  await input.fill(prefix);
  return widget;
}

/** Picks the quick-input row whose label is exactly `label` (or the first one that contains it). */
async function pick(page: Page, query: string, label: string): Promise<void> {
  const widget = quickInput(page);
  const input = widget.locator('input.input');
  await input.fill(query);
  const rows = widget.locator('.quick-input-list .monaco-list-row');
  const exact = rows.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }) });
  const loose = rows.filter({ hasText: label });
  let row: Locator;
  try {
    await loose.first().waitFor({ state: 'visible', timeout: 15_000 });
    row = (await exact.count()) > 0 ? exact.first() : loose.first();
  } catch {
    const seen = await rows.allInnerTexts();
    await page.keyboard.press('Escape');
    throw new Error(`no "${label}" in the quick input for "${query}"; it listed:\n${seen.join('\n')}`);
  }
  await row.click();
  await widget.waitFor({ state: 'hidden', timeout: 10_000 });
}

async function runCommand(page: Page, title: string): Promise<void> {
  await openQuickInput(page, '>');
  await pick(page, `>${title}`, title);
}

async function openFile(page: Page, relativePath: string): Promise<void> {
  const name = relativePath.split('/').at(-1)!;
  await openQuickInput(page, '');
  await pick(page, relativePath, name);
  await page.locator('.tabs-container .tab', { hasText: name }).first().waitFor({ timeout: 15_000 });
}

async function notificationTexts(page: Page): Promise<string[]> {
  return page.locator('.notifications-toasts .notification-toast .notification-list-item-message').allInnerTexts();
}

async function waitForNotification(page: Page, match: string | RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const matches = (text: string) => (typeof match === 'string' ? text.includes(match) : match.test(text));
  for (;;) {
    const texts = await notificationTexts(page);
    const hit = texts.find(matches);
    if (hit !== undefined) return hit;
    if (Date.now() > deadline) throw new Error(`no notification matching ${match}; on screen: ${JSON.stringify(texts)}`);
    await page.waitForTimeout(250);
  }
}

/** The remote extension host logs under the user data dir (one per session), concatenated. */
function readExtensionHostLog(userDataDir: string): string {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/exthost\.log$/i.test(entry)) found.push(readFileSync(path, 'utf8'));
    }
  };
  const logs = join(userDataDir, 'logs');
  if (existsSync(logs)) walk(logs);
  return found.join('\n');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
