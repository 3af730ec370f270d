/**
 * Contract sections for experiment and run lifecycles: CRUD, names, tags, statuses, soft delete and restore.
 */

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TrackingBackend } from '../../server/src/tracking/backend.ts';
import { RUN_STATUSES } from '../../server/src/tracking/types.ts';
import type { Experiment } from '../../server/src/tracking/types.ts';
import { MISSING_EXPERIMENT_ID, MISSING_RUN_ID, expectCode, expectTrackingError, metric } from './backend-contract-support.ts';
import type { ContractContext } from './backend-contract-support.ts';

/** Experiments: create, read, rename, tags, soft delete and restore with their runs. */
export function experimentContract(ctx: ContractContext): void {
  const { prefix, unique, newExperiment, newRun } = ctx;
  describe('experiments', () => {
    let backend: TrackingBackend;
    before(() => {
      backend = ctx.backend;
    });
    it('creates and reads an experiment by id and by name', async () => {
      const name = unique('exp');
      const before = Date.now();
      const id = await backend.createExperiment({ name, tags: { team: 'ds' } });
      const afterCreate = Date.now();
      assert.match(id, /^\d+$/);
      const exp = await backend.getExperiment(id);
      assert.equal(exp.experimentId, id);
      assert.equal(exp.name, name);
      assert.equal(exp.lifecycleStage, 'active');
      assert.deepEqual(exp.tags, { team: 'ds' });
      assert.equal(typeof exp.artifactLocation, 'string');
      assert.ok(exp.artifactLocation.length > 0);
      // The server's clock may differ a little from ours.
      assert.ok(exp.creationTime >= before - 5000 && exp.creationTime <= afterCreate + 5000, `creationTime ${exp.creationTime}`);
      assert.ok(exp.lastUpdateTime >= exp.creationTime);
      assert.deepEqual(await backend.getExperimentByName(name), exp);
      assert.equal(await backend.getExperimentByName(unique('never-created')), undefined);
    });

    it('keeps a given artifact location and derives run artifact URIs from it', async () => {
      const location = `file:///tmp/${unique('custom')}`;
      const id = await backend.createExperiment({ name: unique('loc'), artifactLocation: location });
      assert.equal((await backend.getExperiment(id)).artifactLocation, location);
      const run = await newRun(id);
      assert.equal(run.info.artifactUri, `${location}/${run.info.runId}/artifacts`);
    });

    it('refuses invalid names, duplicates and unsafe artifact locations', async () => {
      await expectCode(backend.createExperiment({ name: '' }), 'INVALID_PARAMETER_VALUE');
      await expectCode(backend.createExperiment({ name: `${prefix}-${'n'.repeat(500)}` }), 'INVALID_PARAMETER_VALUE');
      const name = unique('dup');
      await backend.createExperiment({ name });
      await expectCode(backend.createExperiment({ name }), 'RESOURCE_ALREADY_EXISTS');
      await expectCode(backend.createExperiment({ name: unique('frag'), artifactLocation: 'file:///tmp/x#frag' }), 'INVALID_PARAMETER_VALUE');
      await expectCode(backend.createExperiment({ name: unique('runs'), artifactLocation: 'runs:/abc/model' }), 'INVALID_PARAMETER_VALUE');
    });

    it('reports missing and malformed experiment ids', async () => {
      await expectCode(backend.getExperiment(MISSING_EXPERIMENT_ID), 'RESOURCE_DOES_NOT_EXIST');
      await expectCode(backend.getExperiment('abc'), 'INVALID_PARAMETER_VALUE');
      await expectCode(backend.createRun({ experimentId: MISSING_EXPERIMENT_ID, startTime: 1 }), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('renames, and refuses a taken or empty name', async () => {
      const id = await newExperiment('before');
      const newName = unique('after');
      const oldName = (await backend.getExperiment(id)).name;
      await backend.renameExperiment(id, newName);
      assert.equal((await backend.getExperiment(id)).name, newName);
      assert.equal(await backend.getExperimentByName(oldName), undefined);
      assert.equal((await backend.getExperimentByName(newName))?.experimentId, id);
      const other = await newExperiment('other');
      await expectTrackingError(backend.renameExperiment(other, newName));
      assert.notEqual((await backend.getExperiment(other)).name, newName);
      await expectCode(backend.renameExperiment(id, ''), 'INVALID_PARAMETER_VALUE');
    });

    it('sets, overwrites and deletes experiment tags', async () => {
      const id = await newExperiment('tags', { a: '1' });
      await backend.setExperimentTag(id, 'b', '2');
      await backend.setExperimentTag(id, 'a', 'changed');
      assert.deepEqual((await backend.getExperiment(id)).tags, { a: 'changed', b: '2' });
      await backend.deleteExperimentTag(id, 'a');
      assert.deepEqual((await backend.getExperiment(id)).tags, { b: '2' });
      await expectCode(backend.deleteExperimentTag(id, 'a'), 'RESOURCE_DOES_NOT_EXIST');
      // MLflow 3.17 allows 20000 characters, older servers 5000; both refuse more.
      await expectCode(backend.setExperimentTag(id, 'long', 'v'.repeat(20001)), 'INVALID_PARAMETER_VALUE');
      await expectCode(backend.setExperimentTag(id, '../escape', 'v'), 'INVALID_PARAMETER_VALUE');
      assert.deepEqual((await backend.getExperiment(id)).tags, { b: '2' });
    });

    it('soft-deletes with its runs, refuses writes, and restores everything', async () => {
      const id = await newExperiment('lifecycle');
      const name = (await backend.getExperiment(id)).name;
      const kept = await newRun(id);
      const deletedFirst = await newRun(id);
      await backend.deleteRun(deletedFirst.info.runId);

      await backend.deleteExperiment(id);
      const deleted = await backend.getExperiment(id);
      assert.equal(deleted.lifecycleStage, 'deleted');
      assert.equal((await backend.getExperimentByName(name))?.lifecycleStage, 'deleted');
      assert.equal((await backend.getRun(kept.info.runId)).info.lifecycleStage, 'deleted');
      await expectCode(backend.createExperiment({ name }), 'RESOURCE_ALREADY_EXISTS');
      await expectCode(backend.createRun({ experimentId: id, startTime: 1 }), 'INVALID_PARAMETER_VALUE');
      await expectCode(backend.setExperimentTag(id, 'k', 'v'), 'INVALID_PARAMETER_VALUE');
      await expectCode(backend.renameExperiment(id, unique('renamed')), 'INVALID_STATE');
      await expectCode(backend.logBatch(kept.info.runId, { params: [{ key: 'p', value: 'v' }] }), 'INVALID_PARAMETER_VALUE');

      await backend.restoreExperiment(id);
      assert.equal((await backend.getExperiment(id)).lifecycleStage, 'active');
      assert.equal((await backend.getRun(kept.info.runId)).info.lifecycleStage, 'active');
      // Restoring an experiment re-activates every run in it, also those deleted one by one.
      assert.equal((await backend.getRun(deletedFirst.info.runId)).info.lifecycleStage, 'active');
      assert.deepEqual((await backend.getRun(kept.info.runId)).data.params, {});
    });
  });
}

/** Runs: creation defaults, names, updates, soft delete, tags, write-once params. */
export function runContract(ctx: ContractContext): void {
  const { newExperiment, newRun } = ctx;
  describe('runs', () => {
    let backend: TrackingBackend;
    before(() => {
      backend = ctx.backend;
    });
    let experimentId: string;
    let experiment: Experiment;
    before(async () => {
      experimentId = await newExperiment('runs');
      experiment = await backend.getExperiment(experimentId);
    });

    it('creates a RUNNING run with a generated name mirrored in mlflow.runName', async () => {
      const startTime = Date.now() - 1000;
      const run = await backend.createRun({ experimentId, startTime, userId: 'alice', tags: { source: 'test' } });
      assert.match(run.info.runId, /^[0-9a-f]{32}$/);
      assert.match(run.info.runName, /^[a-z]+-[a-z]+-\d+$/);
      assert.ok(run.info.runName.length <= 20, run.info.runName);
      assert.deepEqual(run.info, {
        runId: run.info.runId,
        experimentId,
        runName: run.info.runName,
        userId: 'alice',
        status: 'RUNNING',
        startTime,
        endTime: null,
        artifactUri: `${experiment.artifactLocation}/${run.info.runId}/artifacts`,
        lifecycleStage: 'active',
      });
      assert.deepEqual(run.data, { metrics: [], params: {}, tags: { source: 'test', 'mlflow.runName': run.info.runName } });
      assert.deepEqual(await backend.getRun(run.info.runId), run);
    });

    it('takes the name from run_name or the mlflow.runName tag, and refuses a conflict', async () => {
      const named = await newRun(experimentId, { runName: 'given-name' });
      assert.equal(named.info.runName, 'given-name');
      assert.equal(named.data.tags['mlflow.runName'], 'given-name');
      const tagged = await newRun(experimentId, { tags: { 'mlflow.runName': 'tag-name' } });
      assert.equal(tagged.info.runName, 'tag-name');
      await expectCode(newRun(experimentId, { runName: 'a', tags: { 'mlflow.runName': 'b' } }), 'INVALID_PARAMETER_VALUE');
    });

    it('updates status, end time and name; any status may be set', async () => {
      const run = await newRun(experimentId);
      const endTime = run.info.startTime + 5000;
      const info = await backend.updateRun(run.info.runId, { status: 'FINISHED', endTime });
      assert.equal(info.status, 'FINISHED');
      assert.equal(info.endTime, endTime);
      assert.equal(info.runName, run.info.runName);
      assert.deepEqual((await backend.getRun(run.info.runId)).info, info);
      for (const status of RUN_STATUSES) {
        assert.equal((await backend.updateRun(run.info.runId, { status })).status, status);
      }
      const renamed = await backend.updateRun(run.info.runId, { runName: 'renamed-run' });
      assert.equal(renamed.runName, 'renamed-run');
      assert.equal(renamed.endTime, endTime);
      assert.equal((await backend.getRun(run.info.runId)).data.tags['mlflow.runName'], 'renamed-run');
    });

    it('renames the run when the mlflow.runName tag is set', async () => {
      const run = await newRun(experimentId);
      await backend.logBatch(run.info.runId, { tags: [{ key: 'mlflow.runName', value: 'via-tag' }] });
      const got = await backend.getRun(run.info.runId);
      assert.equal(got.info.runName, 'via-tag');
      assert.equal(got.data.tags['mlflow.runName'], 'via-tag');
    });

    it('still accepts data on a finished run', async () => {
      const run = await newRun(experimentId);
      await backend.updateRun(run.info.runId, { status: 'FAILED', endTime: run.info.startTime + 1 });
      await backend.logBatch(run.info.runId, { metrics: [metric('m', 1, 1, 0)], params: [{ key: 'p', value: 'v' }] });
      const got = await backend.getRun(run.info.runId);
      assert.deepEqual(got.data.metrics, [metric('m', 1, 1, 0)]);
      assert.deepEqual(got.data.params, { p: 'v' });
    });

    it('soft-deletes and restores a run; writes are refused meanwhile', async () => {
      const run = await newRun(experimentId, { tags: { t: '1' } });
      await backend.deleteRun(run.info.runId);
      assert.equal((await backend.getRun(run.info.runId)).info.lifecycleStage, 'deleted');
      await expectCode(backend.logBatch(run.info.runId, { metrics: [metric('m', 1, 1, 0)] }), 'INVALID_PARAMETER_VALUE');
      await expectCode(backend.updateRun(run.info.runId, { status: 'FINISHED' }), 'INVALID_PARAMETER_VALUE');
      await expectCode(backend.deleteRunTag(run.info.runId, 't'), 'INVALID_PARAMETER_VALUE');
      await backend.restoreRun(run.info.runId);
      const got = await backend.getRun(run.info.runId);
      assert.equal(got.info.lifecycleStage, 'active');
      assert.deepEqual(got.data.metrics, []);
      assert.equal(got.data.tags['t'], '1');
    });

    it('deletes run tags; a missing tag is RESOURCE_DOES_NOT_EXIST', async () => {
      const run = await newRun(experimentId, { tags: { a: '1', b: '2' } });
      await backend.logBatch(run.info.runId, { tags: [{ key: 'a', value: 'overwritten' }] });
      assert.equal((await backend.getRun(run.info.runId)).data.tags['a'], 'overwritten');
      await backend.deleteRunTag(run.info.runId, 'a');
      assert.deepEqual((await backend.getRun(run.info.runId)).data.tags, { b: '2', 'mlflow.runName': run.info.runName });
      await expectCode(backend.deleteRunTag(run.info.runId, 'a'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('reports missing runs', async () => {
      await expectCode(backend.getRun(MISSING_RUN_ID), 'RESOURCE_DOES_NOT_EXIST');
      await expectCode(backend.updateRun(MISSING_RUN_ID, { status: 'FINISHED' }), 'RESOURCE_DOES_NOT_EXIST');
      await expectCode(backend.logBatch(MISSING_RUN_ID, { params: [{ key: 'p', value: 'v' }] }), 'RESOURCE_DOES_NOT_EXIST');
      await expectCode(backend.deleteRun(MISSING_RUN_ID), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('params are write-once: the same value again is fine, a new value is refused', async () => {
      const run = await newRun(experimentId);
      await backend.logBatch(run.info.runId, { params: [{ key: 'lr', value: '0.1' }] });
      await backend.logBatch(run.info.runId, { params: [{ key: 'lr', value: '0.1' }] });
      await expectCode(backend.logBatch(run.info.runId, { params: [{ key: 'lr', value: '0.2' }] }), 'INVALID_PARAMETER_VALUE');
      await expectCode(
        backend.logBatch(run.info.runId, { params: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }] }),
        'INVALID_PARAMETER_VALUE',
      );
      assert.deepEqual((await backend.getRun(run.info.runId)).data.params, { lr: '0.1' });
    });
  });
}
