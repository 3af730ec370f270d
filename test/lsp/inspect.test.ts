import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { Daemon, type DaemonDiscovery, Experiments, Inspect, Runs } from '../../protocol/src/index.ts';
import { embeddedOptions, type LspDaemon, startLspDaemon } from './harness.ts';

/**
 * `Inspect.series` and `Inspect.table` through a daemon started the way the extension starts it.
 * Points go in through the daemon's HTTP API, as a training script would send them.
 */
describe('inspect requests over LSP', () => {
  let d: LspDaemon;
  let exp: string;
  let long: string;
  let short: string;
  const START = 1_760_000_000_000;

  before(async () => {
    d = await startLspDaemon({ initializationOptions: embeddedOptions() });
    const status = await d.request(Daemon.status, {});
    const discovery = JSON.parse(await readFile(status.discoveryFile!, 'utf8')) as DaemonDiscovery;
    const logPoints = async (runId: string, metrics: { key: string; value: number; step: number; timestamp: number }[]) => {
      const res = await fetch(`${discovery.url}/api/v1/experiments/runs/${runId}/metrics`, {
        method: 'POST',
        headers: { authorization: `Bearer ${discovery.token}`, 'x-tenant-id': 'acme', 'content-type': 'application/json' },
        body: JSON.stringify({ metrics }),
      });
      assert.equal(res.status, 200, await res.text());
    };

    exp = (await d.request(Experiments.create, { tenant: 'acme', name: 'inspect' })).id;
    long = (await d.request(Runs.create, { tenant: 'acme', experimentId: exp, name: 'long <b>run</b>' })).id;
    short = (await d.request(Runs.create, { tenant: 'acme', experimentId: exp, name: 'short' })).id;
    for (let b = 0; b < 5; b++) {
      await logPoints(
        long,
        Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: 1 / (1 + b * 1000 + i), step: b * 1000 + i, timestamp: START + b * 1000 + i })),
      );
    }
    await logPoints(short, [
      { key: 'acc', value: 0.5, step: 0, timestamp: START },
      { key: 'acc', value: 0.75, step: 1, timestamp: START + 10 },
    ]);
  });
  after(async () => {
    await d.stop();
    await d.dispose();
  });

  test('series: curves reduced for the width, whole when small, refined when zoomed', async () => {
    const view = await d.request(Inspect.series, { tenant: 'acme', runIds: [long, short], keys: ['loss', 'acc'], width: 100 });
    assert.equal(view.xAxis, 'step');
    assert.deepEqual(Object.keys(view.startTimes).sort(), [long, short].sort());
    assert.deepEqual(view.series.map((s) => [s.runId, s.key, s.totalPoints, s.reduced]), [
      [long, 'loss', 5000, true],
      [long, 'acc', 0, false],
      [short, 'loss', 0, false],
      [short, 'acc', 2, false],
    ]);
    const loss = view.series[0]!;
    assert.ok(loss.points.length <= 400, `${loss.points.length}`);
    assert.deepEqual([loss.min, loss.max], [1 / 5000, 1]);
    assert.deepEqual(loss.last, [4999, 1 / 5000, START + 4999]);
    assert.deepEqual(view.series[3]!.points, [
      [0, 0.5, START],
      [1, 0.75, START + 10],
    ]);

    const zoomed = await d.request(Inspect.series, { tenant: 'acme', runIds: [long], keys: ['loss'], width: 100, range: { min: 100, max: 199 } });
    assert.equal(zoomed.series[0]!.reduced, false);
    assert.deepEqual(
      zoomed.series[0]!.points.map((p) => p[0]),
      Array.from({ length: 100 }, (_, i) => 100 + i),
    );
    const lttb = await d.request(Inspect.series, { tenant: 'acme', runIds: [long], keys: ['loss'], width: 50, method: 'lttb', xAxis: 'relative' });
    assert.ok(lttb.series[0]!.points.length <= 52);
  });

  test('table: compact rows with the union of the page keys, paged', async () => {
    const first = await d.request(Inspect.table, { tenant: 'acme', experimentIds: [exp], maxResults: 1 });
    assert.equal(first.rows.length, 1);
    assert.equal(typeof first.nextPageToken, 'string');
    const second = await d.request(Inspect.table, { tenant: 'acme', experimentIds: [exp], maxResults: 1, pageToken: first.nextPageToken! });
    assert.equal(second.nextPageToken, undefined);
    const rows = [...first.rows, ...second.rows];
    assert.deepEqual(rows.map((r) => r.name).sort(), ['long <b>run</b>', 'short']);
    const longRow = rows.find((r) => r.id === long)!;
    assert.equal(typeof longRow.startTime, 'number');
    assert.deepEqual(longRow.metrics, { loss: 1 / 5000 });
    assert.equal(longRow.status, 'running');

    const all = await d.request(Inspect.table, { tenant: 'acme', experimentIds: [exp], orderBy: ['metrics.acc DESC'], filter: 'metrics.acc > 0' });
    assert.deepEqual(all.rows.map((r) => r.id), [short]);
    assert.deepEqual(all.columns, { params: [], metrics: ['acc'], tags: ['mlflow.runName'] });
  });

  test("another tenant's run or experiment answers not_found, exactly like a missing one", async () => {
    const foreign = await d.failure(Inspect.series, { tenant: 'globex', runIds: [long], keys: ['loss'], width: 100 });
    const missing = await d.failure(Inspect.series, { tenant: 'globex', runIds: ['0123456789abcdef0123456789abcdef'], keys: ['loss'], width: 100 });
    assert.equal(foreign.message, `Run with id=${long} not found`);
    assert.equal(missing.message, 'Run with id=0123456789abcdef0123456789abcdef not found');
    assert.deepEqual(foreign.data, { code: 'not_found' });
    assert.deepEqual(missing.data, foreign.data);
    assert.equal(foreign.code, missing.code);

    const table = await d.failure(Inspect.table, { tenant: 'globex', experimentIds: [exp] });
    assert.equal(table.message, `No Experiment with id=${exp} exists`);
    assert.deepEqual(table.data, { code: 'not_found' });
  });

  test('bad parameters answer validation_error naming the field', async () => {
    const cases: [Promise<{ data?: { code: string; field?: string } }>, string][] = [
      [d.failure(Inspect.series, { tenant: 'acme', runIds: [long], keys: ['loss'], width: 10 }), 'width'],
      [d.failure(Inspect.series, { tenant: 'acme', runIds: [], keys: ['loss'], width: 100 }), 'runIds'],
      [d.failure(Inspect.series, { tenant: 'acme', runIds: [long], keys: ['loss'], width: 100, xAxis: 'epoch' as never }), 'xAxis'],
      [d.failure(Inspect.series, { tenant: 'acme', runIds: [long], keys: ['loss'], width: 100, range: { min: 9, max: 1 } }), 'range'],
      [d.failure(Inspect.series, { tenant: 'acme', runIds: [long, long], keys: ['loss'], width: 100 }), 'runIds'],
      [d.failure(Inspect.table, { tenant: 'acme', experimentIds: [exp], maxResults: 6000 }), 'maxResults'],
      [d.failure(Inspect.table, { tenant: 'acme', experimentIds: ['x'] }), 'experimentIds[0]'],
      [d.failure(Inspect.table, { tenant: 'acme', experimentIds: [exp], filter: 'metrics.acc >> 1' }), 'filter'],
    ];
    for (const [failure, field] of cases) {
      const err = await failure;
      assert.deepEqual(err.data, { code: 'validation_error', field }, field);
    }
  });
});
