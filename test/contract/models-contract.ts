/**
 * The ModelsBackend contract (MLflow 3's logged models and run inputs/outputs), checked through
 * the interface only so the same suite runs against the embedded store and a real MLflow server.
 * As the TrackingBackend contract, it asserts only what MLflow itself does and names everything
 * with a random prefix.
 */

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { TrackingBackend } from '../../server/src/tracking/backend.ts';
import type { ModelsBackend } from '../../server/src/tracking/models-backend.ts';
import { MISSING_EXPERIMENT_ID, expectCode } from './backend-contract-support.ts';

type Backend = TrackingBackend & ModelsBackend;

/** Opens a backend for the suite and returns how to dispose of it. */
export type OpenModelsBackend = () => Promise<{ backend: Backend; cleanup: () => Promise<void> }>;

const dataset = (name: string, digest: string, context: string) => ({
  dataset: { name, digest, sourceType: 'code', source: '{}', schema: '{"x":1}' },
  tags: [{ key: 'mlflow.data.context', value: context }],
});

export function runModelsContract(name: string, open: OpenModelsBackend): void {
  describe(`ModelsBackend contract: ${name}`, () => {
    let b: Backend;
    let cleanup: () => Promise<void> = async () => {};
    let exp: string;
    let runId: string;
    const prefix = `models-${randomUUID().slice(0, 8)}`;
    before(async () => {
      ({ backend: b, cleanup } = await open());
      exp = await b.createExperiment({ name: `${prefix}-exp` });
      runId = (await b.createRun({ experimentId: exp, startTime: Date.now() })).info.runId;
    });
    after(async () => {
      await cleanup();
    });

    test('create: a PENDING model with its params and tags, stored under the experiment\'s models/', async () => {
      const m = await b.createLoggedModel({
        experimentId: exp,
        name: 'clf',
        modelType: 'sklearn',
        sourceRunId: runId,
        params: [{ key: 'C', value: '1.0' }],
        tags: [{ key: 'team', value: 'ds' }],
      });
      assert.match(m.modelId, /^m-[0-9a-f]{32}$/);
      assert.equal(m.experimentId, exp);
      assert.equal(m.name, 'clf');
      assert.equal(m.status, 'LOGGED_MODEL_PENDING');
      assert.equal(m.modelType, 'sklearn');
      assert.equal(m.sourceRunId, runId);
      assert.equal(m.lifecycleStage, 'active');
      assert.ok(m.artifactLocation.endsWith(`/models/${m.modelId}/artifacts`), m.artifactLocation);
      assert.deepEqual(m.params, { C: '1.0' });
      assert.deepEqual(m.tags, { team: 'ds' });
      assert.deepEqual(m.metrics, []);
      assert.deepEqual(await b.getLoggedModel(m.modelId), m);
      const unnamed = await b.createLoggedModel({ experimentId: exp });
      assert.match(unnamed.name, /\w+-\w+-\d+/);
    });

    test('create and read refuse what MLflow refuses', async () => {
      await expectCode(b.createLoggedModel({ experimentId: MISSING_EXPERIMENT_ID }), 'RESOURCE_DOES_NOT_EXIST');
      await expectCode(b.createLoggedModel({ experimentId: exp, name: 'a.b' }), 'INVALID_PARAMETER_VALUE');
      await expectCode(b.getLoggedModel('m-0123456789abcdef0123456789abcdef'), 'RESOURCE_DOES_NOT_EXIST');
      const gone = await b.createExperiment({ name: `${prefix}-gone` });
      await b.deleteExperiment(gone);
      await expectCode(b.createLoggedModel({ experimentId: gone }), 'INVALID_PARAMETER_VALUE');
    });

    test('finalize, tags and write-once params', async () => {
      const m = await b.createLoggedModel({ experimentId: exp, params: [{ key: 'a', value: '1' }] });
      const ready = await b.finalizeLoggedModel(m.modelId, 'LOGGED_MODEL_READY');
      assert.equal(ready.status, 'LOGGED_MODEL_READY');
      assert.ok(ready.lastUpdatedTimestamp >= m.creationTimestamp);

      await b.setLoggedModelTags(m.modelId, [{ key: 't', value: '1' }, { key: 'u', value: 'x' }]);
      await b.setLoggedModelTags(m.modelId, [{ key: 't', value: '2' }]);
      await b.deleteLoggedModelTag(m.modelId, 'u');
      await expectCode(b.deleteLoggedModelTag(m.modelId, 'u'), 'RESOURCE_DOES_NOT_EXIST');

      await b.logLoggedModelParams(m.modelId, [{ key: 'a', value: '1' }, { key: 'b', value: '2' }]);
      await expectCode(b.logLoggedModelParams(m.modelId, [{ key: 'a', value: 'changed' }]), 'INVALID_PARAMETER_VALUE');
      const read = await b.getLoggedModel(m.modelId);
      assert.deepEqual(read.tags, { t: '2' });
      assert.deepEqual(read.params, { a: '1', b: '2' });
    });

    test('a log-batch point with a model id also belongs to the model; an unknown model is refused', async () => {
      const m = await b.createLoggedModel({ experimentId: exp });
      await b.logBatch(runId, {
        metrics: [{ key: 'acc', value: 0.5, timestamp: 10, step: 1, modelId: m.modelId, datasetName: 'train', datasetDigest: 'abc' }],
      });
      const read = await b.getLoggedModel(m.modelId);
      assert.deepEqual(read.metrics, [
        { key: 'acc', value: 0.5, timestamp: 10, step: 1, datasetName: 'train', datasetDigest: 'abc', modelId: m.modelId, runId },
      ]);
      // The run's own point carries no model fields.
      const run = await b.getRun(runId);
      assert.deepEqual(run.data.metrics.find((p) => p.key === 'acc'), { key: 'acc', value: 0.5, timestamp: 10, step: 1 });
      await expectCode(
        b.logBatch(runId, { metrics: [{ key: 'x', value: 1, timestamp: 1, step: 0, modelId: 'm-0123456789abcdef0123456789abcdef' }] }),
        'INVALID_PARAMETER_VALUE',
      );
    });

    test('delete hides a model from get and search; allowDeleted still reads it', async () => {
      const m = await b.createLoggedModel({ experimentId: exp, name: 'doomed' });
      await b.deleteLoggedModel(m.modelId);
      await b.deleteLoggedModel(m.modelId);
      await expectCode(b.getLoggedModel(m.modelId), 'RESOURCE_DOES_NOT_EXIST');
      const deleted = await b.getLoggedModel(m.modelId, { allowDeleted: true });
      assert.equal(deleted.name, 'doomed');
      assert.equal(deleted.lifecycleStage, 'deleted');
      const page = await b.searchLoggedModels({ experimentIds: [exp], filter: "name = 'doomed'" });
      assert.deepEqual(page.items, []);
    });

    test('search: filters, metric order and pages', async () => {
      const e = await b.createExperiment({ name: `${prefix}-search` });
      const r = (await b.createRun({ experimentId: e, startTime: Date.now() })).info.runId;
      const ids: string[] = [];
      for (const [i, acc] of [0.7, 0.9, 0.8].entries()) {
        await new Promise((resolve) => setTimeout(resolve, 3));
        const m = await b.createLoggedModel({ experimentId: e, name: `s${i}`, params: [{ key: 'lr', value: i === 1 ? '0.01' : '0.1' }] });
        await b.logBatch(r, { metrics: [{ key: 'acc', value: acc, timestamp: 1, step: 0, modelId: m.modelId, datasetName: 'val', datasetDigest: 'd1' }] });
        ids.push(m.modelId);
      }
      const [a, c2, c3] = ids as [string, string, string];
      const names = async (input: Partial<Parameters<Backend['searchLoggedModels']>[0]>) =>
        (await b.searchLoggedModels({ experimentIds: [e], ...input })).items.map((m) => m.modelId);
      assert.deepEqual(await names({}), [c3, c2, a]);
      assert.deepEqual(await names({ filter: 'metrics.acc > 0.75' }), [c3, c2]);
      assert.deepEqual(await names({ filter: "params.lr = '0.1' AND name LIKE 's%'" }), [c3, a]);
      assert.deepEqual(await names({ orderBy: [{ fieldName: 'metrics.acc', ascending: false }] }), [c2, c3, a]);
      assert.deepEqual(await names({ orderBy: [{ fieldName: 'name' }] }), [a, c2, c3]);
      assert.deepEqual(await names({ datasets: [{ datasetName: 'val', datasetDigest: 'd1' }], filter: 'metrics.acc < 0.85' }), [c3, a]);
      const first = await b.searchLoggedModels({ experimentIds: [e], maxResults: 2 });
      assert.equal(first.items.length, 2);
      assert.ok(first.nextPageToken);
      const second = await b.searchLoggedModels({ experimentIds: [e], maxResults: 2, pageToken: first.nextPageToken });
      assert.deepEqual(second.items.map((m) => m.modelId), [a]);
      assert.equal(second.nextPageToken, undefined);
      await expectCode(b.searchLoggedModels({ experimentIds: [e], orderBy: [{ fieldName: 'params.lr' }] }), 'INVALID_PARAMETER_VALUE');
    });

    test('run inputs and outputs show on get; search shows data sets and outputs; datasets. filters find the run', async () => {
      const r = (await b.createRun({ experimentId: exp, startTime: Date.now() })).info.runId;
      await b.logInputs(r, { datasets: [dataset('iris', 'd1', 'train'), dataset('iris', 'd1', 'eval'), dataset('iris', 'd2', 'eval')] });
      await b.logInputs(r, { models: [{ modelId: 'm-b' }, { modelId: 'm-a' }] });
      await b.logOutputs(r, { models: [{ modelId: 'm-out', step: 2 }] });
      const run = await b.getRun(r);
      assert.deepEqual(run.inputs, {
        datasetInputs: [
          { dataset: { name: 'iris', digest: 'd1', sourceType: 'code', source: '{}', schema: '{"x":1}' }, tags: [{ key: 'mlflow.data.context', value: 'train' }] },
          { dataset: { name: 'iris', digest: 'd2', sourceType: 'code', source: '{}', schema: '{"x":1}' }, tags: [{ key: 'mlflow.data.context', value: 'eval' }] },
        ],
        modelInputs: [{ modelId: 'm-a' }, { modelId: 'm-b' }],
      });
      assert.deepEqual(run.outputs, { modelOutputs: [{ modelId: 'm-out', step: 2 }] });

      const page = await b.searchRuns({ experimentIds: [exp], filter: "datasets.digest = 'd1' AND datasets.context = 'train'", maxResults: 10 });
      assert.deepEqual(page.items.map((x) => x.info.runId), [r]);
      assert.deepEqual(page.items[0]?.inputs, { datasetInputs: run.inputs?.datasetInputs, modelInputs: [] });
      assert.deepEqual(page.items[0]?.outputs, run.outputs);
      const none = await b.searchRuns({ experimentIds: [exp], filter: "datasets.context = 'test'", maxResults: 10 });
      assert.deepEqual(none.items, []);

      await b.deleteRun(r);
      await expectCode(b.logInputs(r, { datasets: [dataset('iris', 'd3', 'train')] }), 'INVALID_PARAMETER_VALUE');
      await expectCode(b.logOutputs(r, { models: [{ modelId: 'm-x', step: 0 }] }), 'INVALID_PARAMETER_VALUE');
    });
  });
}
