/**
 * The helper installs as a package (`%pip install "<extension>/python"`), from exactly the files
 * the VSIX ships: a copy of them is built by the real pip of the MLflow venv into a fresh target,
 * then imported from there by a separate interpreter.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureMlflowVenv } from '../support/mlflow.ts';

const ROOT = join(import.meta.dirname, '..', '..');

test('pip installs python/ as the package "matih" and the installed copy imports', { timeout: 300_000 }, async () => {
  const bin = await ensureMlflowVenv();
  const work = mkdtempSync(join(tmpdir(), 'matih-pkg-'));
  try {
    const source = join(work, 'python');
    cpSync(join(ROOT, 'python'), source, { recursive: true, filter: (p) => !p.includes('__pycache__') });
    const target = join(work, 'site');
    execFileSync(join(bin, 'pip'), ['install', '--quiet', '--no-deps', '--disable-pip-version-check', '--target', target, source], { stdio: 'pipe' });
    assert.ok(readdirSync(target).some((f) => /^matih-0\.1\.0\.dist-info$/.test(f)), `installed: ${readdirSync(target).join(', ')}`);
    const out = execFileSync(join(bin, 'python'), ['-I', '-c', 'import sys; sys.path.insert(0, sys.argv[1]); import matih; print(matih.__file__); print(matih.LIVE_MIME_TYPE)', target], { encoding: 'utf8' });
    const [file, mime] = out.trim().split('\n');
    assert.ok(file!.startsWith(target), `imported from the install: ${file}`);
    assert.equal(mime, 'application/vnd.matih.live+json');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
