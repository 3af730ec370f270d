import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { TrackingError } from '../../server/src/tracking/errors.ts';
import type { TrackingErrorCode } from '../../server/src/tracking/errors.ts';
import { EmbeddedBackend } from '../../server/src/tracking/embedded/embedded-backend.ts';
import { MIGRATIONS, SCHEMA_VERSION, migrate } from '../../server/src/tracking/embedded/migrations.ts';
import type { Migration } from '../../server/src/tracking/embedded/migrations.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'matih-embedded-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function expectCode(promise: Promise<unknown>, code: TrackingErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof TrackingError, `expected a TrackingError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

function pragma(file: string, name: string): unknown {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return Object.values(db.prepare(`PRAGMA ${name}`).get() ?? {})[0];
  } finally {
    db.close();
  }
}

describe('embedded store: files and schema', () => {
  it('creates a missing data directory, the database, and the Default experiment', async () => {
    const dataDir = join(tempDir(), 'nested', 'data');
    const backend = EmbeddedBackend.open({ dataDir });
    try {
      assert.ok(existsSync(join(dataDir, 'tracking.db')));
      const exp = await backend.getExperiment('0');
      assert.equal(exp.name, 'Default');
      assert.equal(exp.lifecycleStage, 'active');
      assert.equal(exp.artifactLocation, pathToFileURL(join(dataDir, 'artifacts', '0')).href);
      const id = await backend.createExperiment({ name: 'first' });
      assert.equal(id, '1');
      const run = await backend.createRun({ experimentId: id, startTime: 1 });
      assert.equal(run.info.artifactUri, `${pathToFileURL(join(dataDir, 'artifacts', '1')).href}/${run.info.runId}/artifacts`);
    } finally {
      await backend.close();
    }
  });

  it('uses WAL with NORMAL sync, records the schema version, and checkpoints on close', async () => {
    const dataDir = tempDir();
    const file = join(dataDir, 'tracking.db');
    const backend = EmbeddedBackend.open({ dataDir });
    const run = await backend.createRun({ experimentId: '0', startTime: 1 });
    await backend.logBatch(run.info.runId, { metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }] });
    assert.equal(pragma(file, 'journal_mode'), 'wal');
    assert.equal(pragma(file, 'user_version'), SCHEMA_VERSION);
    await backend.close();
    await backend.close(); // idempotent
    const wal = `${file}-wal`;
    assert.ok(!existsSync(wal) || statSync(wal).size === 0, 'the WAL is checkpointed into the database on close');
    const db = new DatabaseSync(file, { readOnly: true });
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    db.close();
    assert.deepEqual(tables, [
      'datasets', 'experiment_tags', 'experiments', 'input_tags', 'inputs', 'latest_metrics', 'logged_model_metrics',
      'logged_model_params', 'logged_model_tags', 'logged_models', 'metrics', 'params', 'runs', 'tags',
    ]);
    await expectCode(backend.getExperiment('0'), 'TEMPORARILY_UNAVAILABLE', /closed/);
  });

  it('keeps everything across close and re-open, without a second Default experiment', async () => {
    const dataDir = tempDir();
    let backend = EmbeddedBackend.open({ dataDir });
    const id = await backend.createExperiment({ name: 'persist', tags: { t: 'v' } });
    const run = await backend.createRun({ experimentId: id, runName: 'kept', startTime: 5 });
    await backend.logBatch(run.info.runId, {
      metrics: [
        { key: 'nan', value: Number.NaN, timestamp: 1, step: 0 },
        { key: 'm', value: 2.5, timestamp: 2, step: 3 },
      ],
      params: [{ key: 'p', value: 'v' }],
      tags: [{ key: 't', value: 'x' }],
    });
    await backend.deleteExperiment(id);
    const before = await backend.getRun(run.info.runId);
    await backend.close();

    backend = EmbeddedBackend.open({ dataDir });
    try {
      assert.deepEqual(await backend.getRun(run.info.runId), before);
      assert.ok(Number.isNaN(before.data.metrics.find((m) => m.key === 'nan')?.value));
      assert.equal((await backend.getExperiment(id)).lifecycleStage, 'deleted');
      const defaults = await backend.searchExperiments({ filter: "name = 'Default'", maxResults: 10, viewType: 'ALL' });
      assert.deepEqual(defaults.items.map((e) => e.experimentId), ['0']);
      assert.equal(await backend.createExperiment({ name: 'next' }), String(Number(id) + 1));
    } finally {
      await backend.close();
    }
  });

  it('refuses a database written by a newer schema', () => {
    const dataDir = tempDir();
    EmbeddedBackend.open({ dataDir }).close();
    const db = new DatabaseSync(join(dataDir, 'tracking.db'));
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(
      () => EmbeddedBackend.open({ dataDir }),
      (err: unknown) => err instanceof TrackingError && err.code === 'INTERNAL_ERROR' && /newer than this build supports/.test(err.message),
    );
  });
});

describe('embedded store: migrations', () => {
  const steps: Migration[] = [
    { version: 1, description: 'a', sql: 'CREATE TABLE a (x INTEGER)' },
    { version: 2, description: 'b', sql: 'CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (1)' },
  ];

  it('applies pending migrations in order and is a no-op when up to date', () => {
    const db = new DatabaseSync(':memory:');
    assert.deepEqual(migrate(db, steps.slice(0, 1)), { from: 0, to: 1 });
    assert.deepEqual(migrate(db, steps), { from: 1, to: 2 });
    assert.deepEqual(migrate(db, steps), { from: 2, to: 2 });
    assert.deepEqual({ ...db.prepare('SELECT COUNT(*) AS n FROM a').get() }, { n: 1 });
    db.close();
  });

  it('rolls a failed migration back and keeps the previous version', () => {
    const db = new DatabaseSync(':memory:');
    migrate(db, steps.slice(0, 1));
    const broken: Migration[] = [...steps.slice(0, 1), { version: 2, description: 'bad', sql: 'CREATE TABLE c (z); SELECT * FROM missing_table' }];
    assert.throws(() => migrate(db, broken));
    assert.deepEqual({ ...db.prepare('PRAGMA user_version').get() }, { user_version: 1 });
    assert.equal(db.prepare("SELECT name FROM sqlite_master WHERE name = 'c'").get(), undefined);
    db.close();
  });

  it('numbers the shipped migrations 1..N', () => {
    assert.deepEqual(MIGRATIONS.map((m) => m.version), MIGRATIONS.map((_, i) => i + 1));
    assert.equal(SCHEMA_VERSION, MIGRATIONS.length);
  });
});

describe('embedded store: choices where MLflow leaves room', () => {
  let backend: EmbeddedBackend;
  let exp: string;
  before(async () => {
    backend = EmbeddedBackend.open({ dataDir: tempDir() });
    exp = await backend.createExperiment({ name: 'choices' });
  });
  after(async () => {
    await backend.close();
  });

  it('uses the Default experiment for an empty experiment id', async () => {
    const run = await backend.createRun({ experimentId: '', startTime: 1 });
    assert.equal(run.info.experimentId, '0');
  });

  it('maps conflicts and repeated lifecycle calls to MLflow codes', async () => {
    const other = await backend.createExperiment({ name: 'choices-other' });
    await expectCode(backend.renameExperiment(other, 'choices'), 'RESOURCE_ALREADY_EXISTS');
    await backend.deleteExperiment(other);
    await expectCode(backend.deleteExperiment(other), 'RESOURCE_DOES_NOT_EXIST');
    await backend.restoreExperiment(other);
    await expectCode(backend.restoreExperiment(other), 'RESOURCE_DOES_NOT_EXIST');
  });

  it('refuses long param values instead of truncating, and tolerates identical duplicates', async () => {
    const run = await backend.createRun({ experimentId: exp, startTime: 1 });
    await expectCode(backend.logBatch(run.info.runId, { params: [{ key: 'p', value: 'v'.repeat(6001) }] }), 'INVALID_PARAMETER_VALUE', /at most 6000/);
    await backend.logBatch(run.info.runId, { params: [{ key: 'p', value: 'same' }, { key: 'p', value: 'same' }] });
    await expectCode(
      backend.logBatch(run.info.runId, { params: [{ key: 'p', value: 'other' }] }),
      'INVALID_PARAMETER_VALUE',
      /^Changing param values is not allowed\. Param with key='p' was already logged with value='same'/,
    );
    assert.deepEqual((await backend.getRun(run.info.runId)).data.params, { p: 'same' });
  });

  it('keeps the 5000-character experiment tag limit', async () => {
    await backend.setExperimentTag(exp, 'note', 'v'.repeat(5000));
    await expectCode(backend.setExperimentTag(exp, 'note', 'v'.repeat(5001)), 'INVALID_PARAMETER_VALUE', /at most 5000/);
  });

  it('rejects non-numeric experiment ids with a clear message; dataset filters work', async () => {
    await expectCode(backend.searchRuns({ experimentIds: ['abc'], maxResults: 10 }), 'INVALID_PARAMETER_VALUE', /Experiment ID must be a valid integer/);
    await expectCode(backend.getExperiment('1e3'), 'INVALID_PARAMETER_VALUE');
    assert.deepEqual(await backend.searchRuns({ experimentIds: ['99999999999999999999'], maxResults: 10 }), { items: [] });
    assert.deepEqual(await backend.searchRuns({ experimentIds: [exp], maxResults: 10, filter: "datasets.name = 'train'" }), { items: [] });
  });

  it('reports the history of a missing run as RESOURCE_DOES_NOT_EXIST', async () => {
    await expectCode(backend.getMetricHistory('0123456789abcdef0123456789abcdef', 'm', { maxResults: 10 }), 'RESOURCE_DOES_NOT_EXIST');
  });

  it('matches NaN metrics only with !=', async () => {
    const e = await backend.createExperiment({ name: 'nan-filter' });
    const run = await backend.createRun({ experimentId: e, startTime: 1 });
    await backend.logBatch(run.info.runId, { metrics: [{ key: 'm', value: Number.NaN, timestamp: 1, step: 0 }] });
    const count = async (filter: string): Promise<number> => (await backend.searchRuns({ experimentIds: [e], maxResults: 10, filter })).items.length;
    assert.equal(await count('metrics.m = 0'), 0);
    assert.equal(await count('metrics.m < 1'), 0);
    assert.equal(await count('metrics.m != 0'), 1);
  });

  it('treats GLOB characters literally in LIKE, folds all scripts in ILIKE, and binds values safely', async () => {
    const e = await backend.createExperiment({ name: 'like' });
    const make = async (value: string): Promise<string> => {
      const run = await backend.createRun({ experimentId: e, startTime: 1, runName: value.replace(/[^a-z]/gi, 'x') || 'x' });
      await backend.logBatch(run.info.runId, { params: [{ key: 'p', value }] });
      return run.info.runId;
    };
    const star = await make('a*b');
    await make('ab');
    const bracket = await make('[x]y');
    const accented = await make('ÉLAN vital');
    const ids = async (filter: string): Promise<string[]> =>
      (await backend.searchRuns({ experimentIds: [e], maxResults: 10, filter })).items.map((r) => r.info.runId).sort();
    assert.deepEqual(await ids("params.p LIKE 'a*%'"), [star]);
    assert.deepEqual(await ids("params.p LIKE '[x]%'"), [bracket]);
    assert.deepEqual(await ids("params.p LIKE '?%'"), []);
    assert.deepEqual(await ids("params.p ILIKE 'élan%'"), [accented]);
    assert.deepEqual(await ids("params.p LIKE 'élan%'"), []);
    assert.deepEqual(await ids("params.p = ''' OR 1=1 --'"), []);
    assert.equal((await ids("params.p LIKE '%'")).length, 4);
  });

  it('stays fast for 10 000 runs in one experiment ordered by a metric', async () => {
    const e = await backend.createExperiment({ name: 'big' });
    for (let i = 0; i < 10_000; i++) {
      const run = await backend.createRun({ experimentId: e, startTime: 1_000_000 + i, runName: `run-${i}` });
      // Every 10th run has no metric; values are a permutation so the order is known.
      if (i % 10 !== 0) await backend.logBatch(run.info.runId, { metrics: [{ key: 'acc', value: (i * 7919) % 10_000, timestamp: 1, step: 0 }] });
    }
    const started = performance.now();
    const first = await backend.searchRuns({ experimentIds: [e], maxResults: 100, orderBy: ['metrics.acc DESC'] });
    const second = await backend.searchRuns({ experimentIds: [e], maxResults: 100, orderBy: ['metrics.acc DESC'], pageToken: first.nextPageToken });
    const filtered = await backend.searchRuns({ experimentIds: [e], maxResults: 1000, filter: 'metrics.acc >= 5000', orderBy: ['metrics.acc ASC'] });
    const elapsed = performance.now() - started;
    const values = [...first.items, ...second.items].map((r) => r.data.metrics[0]?.value);
    const expected = Array.from({ length: 10_000 }, (_, i) => i)
      .filter((i) => i % 10 !== 0)
      .map((i) => (i * 7919) % 10_000)
      .sort((a, b) => b - a);
    assert.deepEqual(values, expected.slice(0, 200));
    const atLeastHalf = expected.filter((v) => v >= 5000).sort((a, b) => a - b);
    assert.deepEqual(filtered.items.map((r) => r.data.metrics[0]?.value), atLeastHalf.slice(0, 1000));
    assert.ok(filtered.nextPageToken);
    // Three searches over 10 000 runs; generous so a loaded CI machine does not flake.
    assert.ok(elapsed < 1500, `searches took ${elapsed.toFixed(0)} ms`);
  });
});
