/**
 * The packaged extension in a real VS Code (code-server 4.139 in headless Chromium): the
 * workbench loads, the extension is installed and listed, and it activates when its manifest says
 * it should for this workspace. One code-server start for the whole file.
 *
 * Needs `node scripts/install-code-server.ts`, which `npm test` and `npm run e2e` run first; a
 * missing editor fails the test. Only an explicit MATIH_E2E=0 skips it (say, while iterating on
 * unit tests).
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { matchesGlob } from 'node:path';
import { after, before, test } from 'node:test';
import { DEMO_DIR, type Editor, e2eUnavailable, extensionId, manifest, startEditor } from './support/editor.ts';

const required = process.env.MATIH_E2E !== '0';
const unavailable = process.env.MATIH_E2E === '0' ? 'MATIH_E2E=0' : e2eUnavailable();
if (unavailable && required) throw new Error(`e2e tests required but cannot run: ${unavailable}`);
const skip = unavailable ? `e2e: ${unavailable}` : false;

const m = manifest();
const id = extensionId();
const displayName = m.displayName ?? m.name;

/**
 * Why the extension should be active once the demo workspace is open and `train.py` shown, from
 * its manifest; undefined when nothing the smoke test does would activate it (the shell today).
 */
function activationReason(): string | undefined {
  const demoFiles = readdirSync(DEMO_DIR, { recursive: true, encoding: 'utf8' });
  for (const event of m.activationEvents ?? []) {
    if (event === '*' || event === 'onStartupFinished' || event === 'onLanguage:python') return event;
    if (event.startsWith('workspaceContains:')) {
      const glob = event.slice('workspaceContains:'.length);
      if (demoFiles.some((f) => matchesGlob(f, glob))) return event;
    }
  }
  if (activityBarContainer()) return `its view container in the activity bar`;
  return undefined;
}

/** The title of the extension's first activity-bar view container: opening it activates the extension. */
function activityBarContainer(): string | undefined {
  const containers = m.contributes?.viewsContainers?.activitybar as { id: string; title: string }[] | undefined;
  const hasViews = containers?.find((c) => Array.isArray(m.contributes?.views?.[c.id]) && m.contributes.views[c.id].length > 0);
  return hasViews?.title;
}

let editor: Editor;

before(async () => {
  if (skip) return;
  editor = await startEditor();
  console.log(`editor up (seconds): ${JSON.stringify(editor.timings)}`);
}, { timeout: 240_000 });

after(async () => {
  await editor?.close();
});

test('the workbench loads with the demo workspace', { skip, timeout: 60_000 }, async () => {
  const explorer = editor.page.locator('.explorer-folders-view');
  for (const file of ['train.py', 'train.ipynb']) {
    await explorer.locator('.monaco-list-row', { hasText: file }).first().waitFor({ timeout: 15_000 });
  }
  await editor.openFile('train.py');
  await editor.page.locator('.monaco-editor .view-lines', { hasText: 'import mlflow' }).first().waitFor({ timeout: 15_000 });
});

test('the extension is installed and listed in the Extensions view', { skip, timeout: 60_000 }, async () => {
  assert.ok(editor.installed.includes(`${id}@${m.version}`), `--list-extensions: ${editor.installed.join(', ')}`);
  await editor.runCommand('Extensions: Show Installed Extensions');
  const row = editor.page.locator('.extensions-viewlet .monaco-list-row', { hasText: displayName }).first();
  await row.waitFor({ timeout: 30_000 });
  assert.match(await row.innerText(), new RegExp(m.publisher, 'i'));
  const path = await editor.screenshot('smoke');
  console.log(`screenshot: ${path}`);
});

test('the extension activates when its manifest says so', { skip, timeout: 90_000 }, async (t) => {
  const reason = activationReason();
  const container = activityBarContainer();
  if (container) await editor.page.locator(`.part.activitybar .action-label[aria-label^="${container}"]`).first().click();
  if (!reason) {
    t.diagnostic('the manifest declares no activation event that this workspace fires; activation not asserted');
    return;
  }
  const started = Date.now();
  const activated = new RegExp(`_doActivateExtension ${id.replace(/[.]/g, '\\.')}\\b`, 'i');
  while (!activated.test(editor.extensionHostLog())) {
    if (Date.now() - started > 60_000) assert.fail(`${id} not activated (${reason}) in 60 s; extension host log:\n${editor.extensionHostLog().slice(-4000)}`);
    await editor.page.waitForTimeout(500);
  }
  const failed = new RegExp(`Activating extension '?${id.replace(/[.]/g, '\\.')}'? failed[^\\n]*`, 'i').exec(editor.extensionHostLog());
  assert.equal(failed, null, failed?.[0]);
  // The UI agrees: Running Extensions lists it. The list is virtual and ordered by activation
  // time, so page through it until the row is rendered.
  await editor.runCommand('Developer: Show Running Extensions');
  const rows = editor.page.locator('.runtime-extensions-editor .monaco-list-row');
  await rows.first().waitFor({ timeout: 30_000 });
  await rows.first().click();
  const row = rows.filter({ hasText: displayName }).first();
  for (let page = 0; page < 30 && !(await row.isVisible()); page++) {
    await editor.page.keyboard.press('PageDown');
    await editor.page.waitForTimeout(100);
  }
  await row.waitFor({ timeout: 15_000 });
  await editor.screenshot('smoke-running-extensions');
  await editor.page.keyboard.press('Escape');
});
