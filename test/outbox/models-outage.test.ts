/**
 * MLflow 3's logged models and run inputs/outputs through the outbox, against a real `mlflow
 * server`: a log-batch whose metrics name a logged model and a data set, a log-inputs and a
 * log-outputs, all buffered while the server is down, arrive with every field once it is back;
 * logged-model calls pass through (refused while it is down, as creating a run is); replaying
 * these writes after they were already applied changes nothing; and a wrapped backend without
 * logged models is refused the same way as without the outbox.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutboxBackend } from '../../server/src/outbox/index.ts';
import { TrackingError } from '../../server/src/tracking/errors.ts';
import { expectCode } from '../support/tracking-errors.ts';
import { MlflowBackend } from '../../server/src/tracking/mlflow/index.ts';
import { ModelsNotSupportedError, supportsModels } from '../../server/src/tracking/models-backend.ts';
import type { LogInputsInput, LoggedModelMetric } from '../../server/src/tracking/models-backend.ts';
import type { TrackingBackend } from '../../server/src/tracking/backend.ts';
import type { LogBatchInput, Metric } from '../../server/src/tracking/types.ts';
import { FAST_BACKOFF, deadUri, fullHistory, recorder, tempDir, useMlflowServer } from './support.ts';

const DATASET = { name: 'iris', digest: 'a1b2c3d4' };

/** Autolog's shape: training metrics logged with the model's id, on the training data set. */
function modelBatch(modelId: string, from: number, count: number): LogBatchInput & { metrics: Metric[] } {
  const metrics: Metric[] = [];
  for (let step = from; step < from + count; step++) {
    metrics.push({
      key: 'training_score',
      value: step / 100,
      timestamp: 1_700_000_000_000 + step,
      step,
      modelId,
      datasetName: DATASET.name,
      datasetDigest: DATASET.digest,
    });
  }
  return { metrics, params: from === 0 ? [{ key: 'C', value: '1.0' }] : [], tags: [] };
}

function trainingInputs(): LogInputsInput {
  return {
    datasets: [
      {
        dataset: { ...DATASET, sourceType: 'code', source: '{"tags": {}}', schema: '{"mlflow_tensorspec": {}}', profile: '{"features_shape": [150, 4]}' },
        tags: [{ key: 'mlflow.data.context', value: 'train' }],
      },
    ],
  };
}

/** The model's points as MLflow keeps them, in step order. */
function modelPoints(metrics: LoggedModelMetric[]): Omit<LoggedModelMetric, 'timestamp'>[] {
  return metrics
    .map(({ key, value, step, runId, modelId, datasetName, datasetDigest }) => ({ key, value, step, runId, modelId, datasetName, datasetDigest }))
    .sort((a, b) => a.step - b.step);
}


describe('outbox with MLflow 3 logged models and run inputs', () => {
  const mlflow = useMlflowServer('outbox-models');

  it('buffers a log-batch with model and data set fields, log-inputs and log-outputs during an outage; all arrive with every field', async () => {
    const { dir, remove } = await tempDir('models');
    const events = recorder();
    const outbox = OutboxBackend.open(new MlflowBackend({ uri: mlflow.server.url }), { dataDir: dir, backoff: FAST_BACKOFF, onEvent: events.onEvent });
    try {
      assert.ok(supportsModels(outbox), 'the outbox offers logged models when the MLflow backend does');
      const runId = (await outbox.createRun({ experimentId: mlflow.experimentId, runName: 'autolog-like' })).info.runId;
      const model = await outbox.createLoggedModel({ experimentId: mlflow.experimentId, name: 'model', sourceRunId: runId, params: [{ key: 'C', value: '1.0' }] });
      assert.equal(model.status, 'LOGGED_MODEL_PENDING');
      await outbox.logBatch(runId, modelBatch(model.modelId, 0, 3));
      assert.equal(events.count('queued'), 0, 'a healthy server is written to directly');

      await mlflow.server.kill();
      await outbox.logInputs(runId, trainingInputs());
      await outbox.logOutputs(runId, { models: [{ modelId: model.modelId, step: 0 }] });
      await outbox.logBatch(runId, modelBatch(model.modelId, 3, 4));
      await outbox.updateRun(runId, { status: 'FINISHED', endTime: 1_700_000_999_000 });
      assert.deepEqual(outbox.stats().queued.byRun, { [runId]: 4 });
      assert.deepEqual(
        events.events.filter((e) => e.type === 'queued').map((e) => e.kind),
        ['logInputs', 'logOutputs', 'logBatch', 'updateRun'],
      );
      // Writes to a logged model are not buffered: refused while the server is down, and retried by the client.
      await expectCode(outbox.finalizeLoggedModel(model.modelId, 'LOGGED_MODEL_READY'), 'TEMPORARILY_UNAVAILABLE');
      await expectCode(outbox.setLoggedModelTags(model.modelId, [{ key: 'k', value: 'v' }]), 'TEMPORARILY_UNAVAILABLE');
      await expectCode(outbox.createLoggedModel({ experimentId: mlflow.experimentId }), 'TEMPORARILY_UNAVAILABLE');
      await expectCode(outbox.getLoggedModel(model.modelId), 'TEMPORARILY_UNAVAILABLE');

      await mlflow.server.restart();
      console.log(`mlflow restarted in ${mlflow.server.startupMs} ms`);
      assert.equal(await outbox.flush(60_000), true);
      assert.deepEqual([events.count('delivered'), events.count('dead-lettered')], [4, 0]);
      const ready = await outbox.finalizeLoggedModel(model.modelId, 'LOGGED_MODEL_READY');
      assert.equal(ready.status, 'LOGGED_MODEL_READY');

      // The run: every point of both batches, its data set input, the model as its output.
      const expected = [...modelBatch(model.modelId, 0, 3).metrics, ...modelBatch(model.modelId, 3, 4).metrics];
      const history = await fullHistory(mlflow.direct, runId, 'training_score');
      assert.deepEqual(history, expected.map(({ key, value, timestamp, step }) => ({ key, value, timestamp, step })));
      const run = await mlflow.direct.getRun(runId);
      assert.deepEqual([run.info.status, run.info.endTime], ['FINISHED', 1_700_000_999_000]);
      assert.deepEqual(run.outputs?.modelOutputs, [{ modelId: model.modelId, step: 0 }]);
      const inputs = run.inputs?.datasetInputs ?? [];
      assert.equal(inputs.length, 1);
      assert.deepEqual(inputs[0]!.dataset, trainingInputs().datasets![0]!.dataset);
      assert.deepEqual(inputs[0]!.tags, [{ key: 'mlflow.data.context', value: 'train' }]);

      // The model: the same points, with the run, model id and data set they were logged with.
      const stored = await mlflow.direct.getLoggedModel(model.modelId);
      assert.deepEqual(
        modelPoints(stored.metrics),
        expected.map(({ key, value, step }) => ({ key, value, step, runId, modelId: model.modelId, ...{ datasetName: DATASET.name, datasetDigest: DATASET.digest } })),
      );
      // And MLflow finds the model by its metric on that data set.
      const found = await mlflow.direct.searchLoggedModels({
        experimentIds: [mlflow.experimentId],
        filter: 'metrics.training_score > 0.05',
        datasets: [{ datasetName: DATASET.name, datasetDigest: DATASET.digest }],
      });
      assert.deepEqual(found.items.map((m) => m.modelId), [model.modelId]);
    } finally {
      await outbox.close();
      await remove();
    }
  });

  it('replays log-batch with model fields, log-inputs and log-outputs the server had already applied without changing anything', async () => {
    const runId = (await mlflow.direct.createRun({ experimentId: mlflow.experimentId })).info.runId;
    const model = await mlflow.direct.createLoggedModel({ experimentId: mlflow.experimentId, sourceRunId: runId });
    const writes = async (b: MlflowBackend | OutboxBackend): Promise<void> => {
      await b.logInputs(runId, trainingInputs());
      await b.logOutputs(runId, { models: [{ modelId: model.modelId, step: 2 }] });
      await b.logBatch(runId, modelBatch(model.modelId, 0, 2));
    };
    const { dir, remove } = await tempDir('models-replay');
    const offline = OutboxBackend.open(new MlflowBackend({ uri: await deadUri() }), { dataDir: dir, backoff: FAST_BACKOFF });
    try {
      await writes(offline);
      assert.deepEqual(offline.stats().queued.byRun, { [runId]: 3 });
    } finally {
      await offline.close();
    }
    // The crash: every write reached the server, none was removed from the spool.
    await writes(mlflow.direct);
    // MLflow refuses a second log-outputs of the same model (its primary key); the outbox sees it is in effect.
    const again = await mlflow.direct.logOutputs(runId, { models: [{ modelId: model.modelId, step: 2 }] }).then(() => undefined, (e: unknown) => e);
    assert.ok(again instanceof TrackingError);
    console.log(`a repeated runs/outputs is answered ${again.code}: ${again.message.slice(0, 120)}`);

    const events = recorder();
    const online = OutboxBackend.open(new MlflowBackend({ uri: mlflow.server.url }), { dataDir: dir, backoff: FAST_BACKOFF, onEvent: events.onEvent });
    try {
      assert.equal(await online.flush(30_000), true);
      assert.deepEqual(online.deadLetters(), []);
      assert.deepEqual([events.count('delivered'), events.count('retrying')], [3, 0]);
      const run = await mlflow.direct.getRun(runId);
      assert.deepEqual(run.outputs?.modelOutputs, [{ modelId: model.modelId, step: 2 }]);
      assert.equal(run.inputs?.datasetInputs.length, 1);
      assert.equal((await fullHistory(mlflow.direct, runId, 'training_score')).length, 2);
      const stored = await mlflow.direct.getLoggedModel(model.modelId);
      assert.deepEqual(stored.metrics.map((m) => [m.step, m.datasetName, m.datasetDigest]).sort(), [
        [0, DATASET.name, DATASET.digest],
        [1, DATASET.name, DATASET.digest],
      ]);
    } finally {
      await online.close();
      await remove();
    }
  });

  it('answers logged-model calls with ModelsNotSupportedError when the wrapped backend has none, and queues nothing', async () => {
    const inner = new MlflowBackend({ uri: await deadUri() });
    // The same backend without its ModelsBackend half, as another TrackingBackend would be.
    const hidden = new Set(['createLoggedModel', 'getLoggedModel', 'finalizeLoggedModel', 'deleteLoggedModel', 'setLoggedModelTags',
      'deleteLoggedModelTag', 'logLoggedModelParams', 'searchLoggedModels', 'logInputs', 'logOutputs']);
    const plain = new Proxy(inner, {
      get(target, prop) {
        if (typeof prop === 'string' && hidden.has(prop)) return undefined;
        const value: unknown = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as TrackingBackend;
    assert.equal(supportsModels(plain), false);
    const { dir, remove } = await tempDir('no-models');
    const outbox = OutboxBackend.open(plain, { dataDir: dir, backoff: FAST_BACKOFF });
    try {
      const refused = (p: Promise<unknown>) => assert.rejects(p, ModelsNotSupportedError);
      await refused(outbox.logInputs('0123456789abcdef0123456789abcdef', trainingInputs()));
      await refused(outbox.logOutputs('0123456789abcdef0123456789abcdef', { models: [{ modelId: 'm-1', step: 0 }] }));
      await refused(outbox.createLoggedModel({ experimentId: '1' }));
      await refused(outbox.getLoggedModel('m-1'));
      assert.equal(outbox.stats().queued.entries, 0);
    } finally {
      await outbox.close();
      await remove();
    }
  });
});
