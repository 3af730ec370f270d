/**
 * The embedded store's MLflow 3 tables: a store written before them (schema 1) upgrades in place
 * and keeps its data, and the choices it makes where MLflow's SQL store only fails by accident
 * of a constraint (the contract suite covers what both agree on).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { TrackingError } from '../../server/src/tracking/errors.ts';
import { EmbeddedBackend } from '../../server/src/tracking/embedded/embedded-backend.ts';
import { MIGRATIONS, migrate } from '../../server/src/tracking/embedded/migrations.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'matih-embedded-models-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('embedded store: MLflow 3 schema', () => {
  it('upgrades a schema-1 store in place: old runs stay, and take inputs and models', async () => {
    const dataDir = tempDir();
    const db = new DatabaseSync(join(dataDir, 'tracking.db'));
    migrate(db, MIGRATIONS.slice(0, 1));
    db.exec(`INSERT INTO experiments VALUES (0, 'Default', 'file:///tmp/a/0', 'active', 1, 1)`);
    db.exec(`INSERT INTO runs VALUES ('r1', 0, 'old', '', 'FINISHED', 1, 2, NULL, 'active', 'file:///tmp/a/0/r1/artifacts')`);
    db.close();

    const backend = EmbeddedBackend.open({ dataDir });
    try {
      const before = await backend.getRun('r1');
      assert.equal(before.info.runName, 'old');
      assert.equal(before.inputs, undefined);
      await backend.logInputs('r1', { datasets: [{ dataset: { name: 'd', digest: 'x', sourceType: 'code', source: '{}' }, tags: [] }] });
      const model = await backend.createLoggedModel({ experimentId: '0', sourceRunId: 'r1' });
      assert.equal(model.artifactLocation, `file:///tmp/a/0/models/${model.modelId}/artifacts`);
      assert.equal((await backend.getRun('r1')).inputs?.datasetInputs.length, 1);
    } finally {
      await backend.close();
    }
  });
});

describe('embedded store: logged models where MLflow only fails by accident', () => {
  let backend: EmbeddedBackend;
  let runId: string;
  before(async () => {
    backend = EmbeddedBackend.open({ dataDir: tempDir() });
    runId = (await backend.createRun({ experimentId: '0', startTime: 1 })).info.runId;
  });
  after(() => backend.close());

  it('a param repeated with the same value is accepted, in one request or later (MLflow: a 400 from the key)', async () => {
    const m = await backend.createLoggedModel({ experimentId: '0', params: [{ key: 'a', value: '1' }, { key: 'a', value: '1' }] });
    await backend.logLoggedModelParams(m.modelId, [{ key: 'a', value: '1' }]);
    assert.deepEqual((await backend.getLoggedModel(m.modelId)).params, { a: '1' });
    await assert.rejects(backend.createLoggedModel({ experimentId: '0', params: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }] }), TrackingError);
  });

  it('a model metric point sent again is dropped; the batch is one transaction (MLflow stores the run points, then fails)', async () => {
    const m = await backend.createLoggedModel({ experimentId: '0' });
    const point = { key: 'acc', value: 0.5, timestamp: 1, step: 0, modelId: m.modelId };
    await backend.logBatch(runId, { metrics: [point] });
    await backend.logBatch(runId, { metrics: [{ ...point, value: 0.6 }] });
    assert.deepEqual((await backend.getLoggedModel(m.modelId)).metrics.map((p) => p.value), [0.5]);
    await assert.rejects(backend.logBatch(runId, { metrics: [{ key: 'late', value: 1, timestamp: 2, step: 0 }, { ...point, modelId: 'm-none' }] }), TrackingError);
    assert.equal((await backend.getRun(runId)).data.metrics.find((p) => p.key === 'late'), undefined);
  });

  it('±Infinity of a model metric is kept as ±DBL_MAX and NaN as 0, as MLflow\'s store does', async () => {
    const m = await backend.createLoggedModel({ experimentId: '0' });
    await backend.logBatch(runId, {
      metrics: [
        { key: 'inf', value: Infinity, timestamp: 3, step: 0, modelId: m.modelId },
        { key: 'nan', value: NaN, timestamp: 3, step: 0, modelId: m.modelId },
      ],
    });
    assert.deepEqual((await backend.getLoggedModel(m.modelId)).metrics.map((p) => [p.key, p.value]), [
      ['inf', 1.7976931348623157e308],
      ['nan', 0],
    ]);
  });

  it('a status filter takes the status names as well as their numbers', async () => {
    const m = await backend.createLoggedModel({ experimentId: '0', name: 'st' });
    await backend.finalizeLoggedModel(m.modelId, 'LOGGED_MODEL_UPLOAD_FAILED');
    for (const filter of ["status = 'LOGGED_MODEL_UPLOAD_FAILED'", "status = '3'", 'status = 3', "status IN ('LOGGED_MODEL_UPLOAD_FAILED')"]) {
      const page = await backend.searchLoggedModels({ experimentIds: ['0'], filter: `${filter} AND name = 'st'` });
      assert.deepEqual(page.items.map((x) => x.modelId), [m.modelId], filter);
    }
  });
});
