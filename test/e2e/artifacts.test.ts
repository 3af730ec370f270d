/**
 * Artifacts as a user meets them: a run logged by the real Python `mlflow` client through the
 * daemon (`log_text`, `log_dict`, `log_figure`, a nested folder through `log_artifacts`) shows
 * an "Artifacts" node under the run whose folders expand on demand; a JSON file opens in a
 * read-only editor tab, a PNG in VS Code's image preview; a file is uploaded from the Explorer
 * to a run picked from a list; one is deleted after a modal confirmation. Every effect is checked
 * through the daemon's v1 API as well as on screen. One code-server start for the whole file.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ensureMlflowVenv } from '../support/mlflow.ts';
import {
  type Matih,
  clearNotifications,
  dialogButton,
  dialogText,
  e2eSkip,
  explorerContextMenu,
  snap,
  startMatih,
  waitFor,
} from './support/matih.ts';

const skip = e2eSkip();
const TENANT = 'default';
let m: Matih;
let runId: string;

/** What the script logs, as a training script would. */
const SCRIPT = String.raw`
import os, sys, tempfile
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import mlflow

mlflow.set_experiment("artifact-browser")
with mlflow.start_run(run_name="trained-model") as run:
    mlflow.log_dict({"model": "xgboost", "max_depth": 6, "learning_rate": 0.1, "features": ["age", "tenure", "plan"]}, "config.json")
    mlflow.log_text("epoch,loss,val_loss\n1,0.92,0.95\n2,0.61,0.70\n3,0.43,0.55\n", "metrics/history.csv")
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    ax.plot([1, 2, 3, 4, 5], [0.92, 0.61, 0.43, 0.35, 0.31], marker="o", label="loss")
    ax.plot([1, 2, 3, 4, 5], [0.95, 0.70, 0.55, 0.50, 0.49], marker="o", label="val_loss")
    ax.set_xlabel("epoch"); ax.set_title("Training loss"); ax.legend()
    mlflow.log_figure(fig, "plots/loss.png")
    model = tempfile.mkdtemp()
    os.makedirs(os.path.join(model, "data"))
    with open(os.path.join(model, "MLmodel"), "w") as f:
        f.write("flavors:\n  sklearn:\n    sklearn_version: 1.5.0\n")
    with open(os.path.join(model, "data", "model.pkl"), "wb") as f:
        f.write(os.urandom(40000))
    mlflow.log_artifacts(model, "model")
    run_id = run.info.run_id
print("RUN_ID=" + run_id)
`;

before(async () => {
  if (skip) return;
  const python = join(await ensureMlflowVenv(), 'python');
  m = await startMatih();
  console.log(`editor up (seconds): ${JSON.stringify(m.editor.timings)}`);
  const { stdout } = await promisify(execFile)(python, ['-c', SCRIPT], {
    env: { ...process.env, MLFLOW_TRACKING_URI: `${m.daemon.url}/tenants/${TENANT}`, MLFLOW_TRACKING_TOKEN: m.daemon.token },
    timeout: 120_000,
  });
  // MLflow prints links to the run too; the id is on the marked line.
  runId = /^RUN_ID=(\w+)$/m.exec(stdout)?.[1] ?? assert.fail(`the script printed no run id: ${stdout}`);
}, { timeout: 300_000 });

after(async () => {
  await m?.editor.close();
});

/** A folder's row: its name (rows with inline actions add ", has actions" to their names). */
function folder(name: string): RegExp {
  return new RegExp(`^${name}(, has actions)?$`);
}

/** The run's files, as the daemon's v1 API lists a folder. */
async function listed(path = ''): Promise<string[]> {
  const query = path === '' ? '' : `?path=${encodeURIComponent(path)}`;
  const answer = await m.api.call<{ artifacts: { path: string }[] }>(TENANT, 'GET', `/api/v1/experiments/runs/${runId}/artifacts${query}`);
  return answer.artifacts.map((a) => a.path).sort();
}

test('the run shows its artifacts; folders list their files when expanded', { skip, timeout: 120_000 }, async () => {
  const { sidebar } = m;
  await sidebar.titleAction('Refresh');
  await sidebar.expand('Experiment artifact-browser');
  await sidebar.expand(/^Run trained-model,/);
  await sidebar.expand(/^Artifacts 5 files\b/);
  // Folders first, then files, each with its size.
  await sidebar.find(folder('metrics'));
  await sidebar.find(folder('model'));
  await sidebar.find(folder('plots'));
  const config = await sidebar.find(/^config\.json \d+ B\b/);
  assert.ok(config);
  // Not listed until expanded: MLmodel's row appears only after "model" opens.
  assert.equal(await sidebar.row(/^MLmodel/).count(), 0);
  await sidebar.expand(folder('model'));
  await sidebar.find(/^MLmodel \d+ B\b/);
  await sidebar.expand(folder('data'));
  await sidebar.find(/^model\.pkl 40 KB\b/);
  await sidebar.expand(folder('plots'));
  await sidebar.find(/^loss\.png \d+(\.\d)? KB\b/);
  await snap(m.editor, 'artifacts-tree');
});

test('a JSON artifact opens in a read-only editor tab, an image in the image preview', { skip, timeout: 90_000 }, async () => {
  const { sidebar, page } = m;
  await (await sidebar.find(/^config\.json /)).click();
  const tab = page.locator('.tabs-container .tab', { hasText: 'config.json' });
  await tab.first().waitFor({ timeout: 15_000 });
  const editor = page.locator('.editor-instance .monaco-editor').first();
  // Monaco draws spaces as non-breaking ones.
  const text = async () => (await editor.locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
  await waitFor('the JSON text in the editor', async () => /"max_depth": 6/.test(await text()));
  await waitFor('the JSON language mode', async () => /\bJSON\b/.test(await page.locator('.part.statusbar').innerText()));
  await snap(m.editor, 'artifacts-json-editor');
  // Read-only: typing changes nothing, and the editor says why.
  await editor.locator('.view-lines').click();
  await page.keyboard.type('typed');
  await page.getByText('Cannot edit in read-only editor').first().waitFor({ timeout: 5_000 });
  assert.doesNotMatch(await text(), /typed/);

  await (await sidebar.find(/^loss\.png /)).click();
  await page.locator('.tabs-container .tab', { hasText: 'loss.png' }).first().waitFor({ timeout: 30_000 });
  // The image preview is a webview: its frame holds the <img>.
  const frame = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  await frame.locator('img').first().waitFor({ timeout: 30_000 });
  await waitFor('the image to load', async () => (await frame.locator('img').first().evaluate((img) => (img as { naturalWidth: number }).naturalWidth)) === 600);
  await snap(m.editor, 'artifacts-image-preview');
});

test('a file from the Explorer uploads to a run picked from a list', { skip, timeout: 90_000 }, async () => {
  const { page, quick, sidebar } = m;
  await clearNotifications(m.editor);
  await explorerContextMenu(page, 'requirements.txt', 'Upload File to Run…');
  await quick.waitForTitle('Upload "requirements.txt" to Run');
  await waitFor('runs in the list', async () => (await quick.options()).some((o) => o.includes('trained-model')));
  await snap(m.editor, 'artifacts-pick-run');
  await quick.choose('Upload "requirements.txt" to Run', /trained-model/);
  const size = readFileSync(join(m.editor.workspace, 'requirements.txt')).length;
  await m.editor.waitForNotification(new RegExp(`Uploaded requirements\\.txt \\(${size} B\\) to run "trained-model"`), 30_000);
  assert.ok((await listed()).includes('requirements.txt'));
  // The sidebar shows it without a manual refresh.
  await sidebar.open();
  await sidebar.find(/^requirements\.txt \d+ B\b/);
  await sidebar.find(/^Artifacts 6 files\b/);
});

test('Delete asks first, naming the file and the run, then removes it', { skip, timeout: 90_000 }, async () => {
  const { sidebar, page } = m;
  await clearNotifications(m.editor);
  await sidebar.contextMenu(/^config\.json /, 'Delete Artifact…');
  const text = await dialogText(page);
  assert.match(text, /Delete "config\.json" from run "trained-model"\?/);
  assert.match(text, new RegExp(`Run ${runId}, tenant "${TENANT}"\\. This cannot be undone\\.`));
  await snap(m.editor, 'artifacts-delete-confirm');
  await dialogButton(page, 'Delete');
  await waitFor('config.json to leave the daemon', async () => !(await listed()).includes('config.json'));
  await waitFor('config.json to leave the tree', async () => (await sidebar.row(/^config\.json /).count()) === 0);
  assert.deepEqual(await listed(), ['metrics', 'model', 'plots', 'requirements.txt']);
  await snap(m.editor, 'artifacts-after-delete');
});
