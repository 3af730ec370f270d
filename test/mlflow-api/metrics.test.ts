import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type MlflowServer, missing, startMlflowServer } from './harness.ts';

const DOCS = ' See the API docs for more information about request parameters.';
const invalid = (message: string) => ({ error_code: 'INVALID_PARAMETER_VALUE', message });

describe('MLflow API: metric history', () => {
  let s: MlflowServer;
  let exp: string;
  before(async () => {
    s = await startMlflowServer();
    exp = (await s.post('experiments/create', { name: 'metrics' })).body.experiment_id;
  });
  after(() => s.stop());

  const newRun = async (): Promise<string> => (await s.post('runs/create', { experiment_id: exp })).body.run.info.run_id;
  /** Logs `values[i]` at step `steps[i]`, timestamp 1000 + i. */
  const log = async (runId: string, key: string, values: (number | string)[], steps?: number[]) => {
    const metrics = values.map((value, i) => ({ key, value, timestamp: 1000 + i, step: steps?.[i] ?? i }));
    for (let i = 0; i < metrics.length; i += 1000) {
      const res = await s.post('runs/log-batch', { run_id: runId, metrics: metrics.slice(i, i + 1000) });
      assert.equal(res.status, 200, res.text);
    }
  };

  test('get-history answers every point in order, paging only when max_results is given', async () => {
    const id = await newRun();
    await log(id, 'loss', [3, 2, 'NaN', 1]);
    const all = await s.get('metrics/get-history', { run_id: id, metric_key: 'loss' });
    assert.equal(all.status, 200);
    assert.deepEqual(all.body, {
      metrics: [
        { key: 'loss', value: 3, timestamp: 1000, step: 0 },
        { key: 'loss', value: 2, timestamp: 1001, step: 1 },
        { key: 'loss', value: 'NaN', timestamp: 1002, step: 2 },
        { key: 'loss', value: 1, timestamp: 1003, step: 3 },
      ],
    });
    const page1 = await s.get('metrics/get-history', { run_id: id, metric_key: 'loss', max_results: 3 });
    assert.deepEqual(page1.body.metrics.map((m: { step: number }) => m.step), [0, 1, 2]);
    assert.equal(typeof page1.body.next_page_token, 'string');
    const page2 = await s.get('metrics/get-history', {
      run_uuid: id,
      metric_key: 'loss',
      max_results: 3,
      page_token: page1.body.next_page_token,
    });
    assert.deepEqual(page2.body, { metrics: [{ key: 'loss', value: 1, timestamp: 1003, step: 3 }] });
  });

  test('get-history of an unknown run or key is empty, as in MLflow; bad input is refused', async () => {
    const id = await newRun();
    assert.deepEqual((await s.get('metrics/get-history', { run_id: id, metric_key: 'none' })).body, {});
    const unknown = await s.get('metrics/get-history', { run_id: 'f'.repeat(32), metric_key: 'loss' });
    assert.equal(unknown.status, 200);
    assert.deepEqual(unknown.body, {});
    assert.deepEqual((await s.get('metrics/get-history', { run_id: id })).body, missing('metric_key'));
    assert.deepEqual((await s.get('metrics/get-history', { metric_key: 'x' })).body, missing('run_id'));
    const zero = await s.get('metrics/get-history', { run_id: id, metric_key: 'x', max_results: 0 });
    assert.equal(zero.status, 400);
    assert.deepEqual(zero.body, invalid("Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer."));
    const text = await s.get('metrics/get-history', { run_id: id, metric_key: 'x', max_results: 'ten' });
    assert.deepEqual(text.body, invalid(`Invalid value "ten" for parameter 'max_results' supplied:  Hint: Value was of type 'str'.${DOCS}`));
  });

  test('get-history-bulk-interval samples steps across runs and keeps each run\'s ends', async () => {
    const r1 = await newRun();
    const r2 = await newRun();
    await log(r1, 'acc', Array.from({ length: 100 }, (_, i) => i / 100));
    await log(r2, 'acc', [0.5, 0.6, 0.7], [0, 5, 37]);
    const res = await s.get('metrics/get-history-bulk-interval', { run_ids: [r1, r2], metric_key: 'acc', max_results: 10 });
    assert.equal(res.status, 200);
    const got = res.body.metrics.map((m: { run_id: string; step: number }) => [m.run_id === r1 ? 'r1' : 'r2', m.step]);
    assert.deepEqual(got, [
      // Every 10th step, the last one, and r2's first and last (37); r2's step 5 is not sampled.
      ...[0, 10, 20, 30, 37, 40, 50, 60, 70, 80, 90, 99].map((step) => ['r1', step]),
      ['r2', 0], ['r2', 37],
    ]);
    assert.deepEqual(res.body.metrics[1], { key: 'acc', value: 0.1, timestamp: 1010, step: 10, run_id: r1 });

    const ranged = await s.get('metrics/get-history-bulk-interval', {
      run_ids: [r1, r2],
      metric_key: 'acc',
      start_step: 30,
      end_step: 40,
      max_results: 5,
    });
    assert.deepEqual(
      ranged.body.metrics.map((m: { run_id: string; step: number }) => [m.run_id === r1 ? 'r1' : 'r2', m.step]),
      [['r1', 30], ['r1', 32], ['r1', 34], ['r1', 36], ['r1', 37], ['r1', 38], ['r1', 40], ['r2', 37]],
    );
    const small = await s.get('metrics/get-history-bulk-interval', { run_ids: r1, metric_key: 'acc' });
    assert.equal(small.body.metrics.length, 100);
    const ajax = await s.get('metrics/get-history-bulk-interval', { run_ids: r2, metric_key: 'acc' }, { ajax: true });
    assert.equal(ajax.body.metrics.length, 3);
  });

  test('get-history-bulk-interval: unknown runs are empty; bad input in MLflow\'s words', async () => {
    const r = await newRun();
    const empty = await s.get('metrics/get-history-bulk-interval', { run_ids: ['f'.repeat(32), r], metric_key: 'acc' });
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body, {});
    const q = (extra: Record<string, string | number | (string | number)[]>) =>
      s.get('metrics/get-history-bulk-interval', { run_ids: r, metric_key: 'acc', ...extra });
    assert.deepEqual((await s.get('metrics/get-history-bulk-interval', { metric_key: 'acc' })).body, missing('run_ids'));
    assert.deepEqual((await s.get('metrics/get-history-bulk-interval', { run_ids: r })).body, missing('metric_key'));
    const many = await q({ run_ids: Array.from({ length: 101 }, (_, i) => `run${i}`) });
    assert.equal(many.status, 400);
    assert.deepEqual(many.body, invalid(`GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received 101 run_ids.${DOCS}`));
    assert.deepEqual((await q({ max_results: 0 })).body, invalid(`max_results must be between 1 and 2500.${DOCS}`));
    assert.deepEqual((await q({ max_results: 2501 })).body, invalid(`max_results must be between 1 and 2500.${DOCS}`));
    assert.equal((await q({ max_results: 2500 })).status, 200);
    assert.deepEqual(
      (await q({ start_step: 3 })).body,
      invalid('If either start step or end step are specified, both must be specified.'),
    );
    assert.deepEqual(
      (await q({ start_step: 3, end_step: 1 })).body,
      invalid('end_step must be greater than start_step. Found start_step=3 and end_step=1.'),
    );
  });

  test('legacy get-history-bulk is ajax-only, reads runs in id order and truncates overall', async () => {
    const ids = [await newRun(), await newRun()];
    for (const id of ids) await log(id, 'lat', [1, 2, 3]);
    const sorted = [...ids].sort();
    const res = await s.get('metrics/get-history-bulk', { run_id: ids, metric_key: 'lat', max_results: 4 }, { ajax: true });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {
      metrics: [
        { key: 'lat', value: 1, timestamp: 1000, step: 0, run_id: sorted[0] },
        { key: 'lat', value: 2, timestamp: 1001, step: 1, run_id: sorted[0] },
        { key: 'lat', value: 3, timestamp: 1002, step: 2, run_id: sorted[0] },
        { key: 'lat', value: 1, timestamp: 1000, step: 0, run_id: sorted[1] },
      ],
    });
    // Under /api it is one more MLflow path this server does not serve.
    const notApi = await s.get('metrics/get-history-bulk', { run_id: ids, metric_key: 'lat' });
    assert.equal(notApi.status, 501);
    assert.equal(notApi.body.error_code, 'NOT_IMPLEMENTED');
    const noRuns = await s.get('metrics/get-history-bulk', { metric_key: 'lat' }, { ajax: true });
    assert.deepEqual(noRuns.body, invalid('GetMetricHistoryBulk request must specify at least one run_id.'));
    const noKey = await s.get('metrics/get-history-bulk', { run_id: ids }, { ajax: true });
    assert.deepEqual(noKey.body, invalid('GetMetricHistoryBulk request must specify a metric_key.'));
    const many = await s.get('metrics/get-history-bulk', { run_id: Array.from({ length: 101 }, (_, i) => `r${i}`), metric_key: 'x' }, { ajax: true });
    assert.deepEqual(many.body, invalid('GetMetricHistoryBulk request cannot specify more than 100 run_ids. Received 101 run_ids.'));
  });
});
