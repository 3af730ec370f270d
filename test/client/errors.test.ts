import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { daemonErrorCode, readableError } from '../../client/src/util/errors.ts';
import { mlflowRunUrl } from '../../client/src/util/mlflowLinks.ts';

describe('readableError', () => {
  it("shows the daemon's message as it is", () => {
    const error = Object.assign(new Error('name: experiment "churn" already exists'), {
      code: -32803,
      data: { code: 'already_exists', field: 'name' },
    });
    assert.equal(readableError(error), 'name: experiment "churn" already exists');
    assert.equal(daemonErrorCode(error), 'already_exists');
  });
  it('never shows a stack trace', () => {
    assert.equal(readableError({ message: 'boom\n    at foo (x.js:1:1)\n    at bar' }), 'boom');
  });
  it('turns connection failures into words a user understands', () => {
    assert.match(readableError(new Error('Client is not running')), /daemon is not running/);
    assert.match(readableError(new Error('Pending response rejected since connection got disposed')), /stopped before it answered/);
  });
  it('copes with anything thrown', () => {
    assert.equal(readableError('plain'), 'plain');
    assert.equal(readableError(42), '42');
    assert.match(readableError(new Error('')), /Something went wrong/);
    assert.equal(daemonErrorCode(undefined), undefined);
    assert.equal(daemonErrorCode({ data: 'x' }), undefined);
  });
});

describe('MLflow links', () => {
  it('deep-links a run in the MLflow UI', () => {
    assert.equal(mlflowRunUrl('https://mlflow.example.com/', '12', 'abc'), 'https://mlflow.example.com/#/experiments/12/runs/abc');
  });
});
