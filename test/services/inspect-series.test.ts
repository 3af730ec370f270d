import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RunsSeriesParams, type RunsSeriesParams as SeriesInput, SERIES_MAX_BUCKETS } from '../../protocol/src/index.ts';
import { series } from '../../server/src/services/inspect-series.ts';
import type { TrackingBackend } from '../../server/src/tracking/backend.ts';
import { EmbeddedBackend } from '../../server/src/tracking/embedded/embedded-backend.ts';
import { TrackingError } from '../../server/src/tracking/errors.ts';
import type { Metric } from '../../server/src/tracking/types.ts';
import { type ServiceFixture, openFixture, refusal } from './support.ts';

const START = 1_760_000_000_000;
const wave = (i: number) => Math.sin(i / 97) * (1 + (i % 1000) / 1000);

/** Logs `points` in batches of 1000, as MLflow's limit wants. */
async function log(scope: TrackingBackend, runId: string, points: Metric[]): Promise<void> {
  for (let i = 0; i < points.length; i += 1000) await scope.logBatch(runId, { metrics: points.slice(i, i + 1000) });
}

/** The request as the daemon's schema hands it to the service. */
const request = (p: Omit<SeriesInput, 'tenant'>) => RunsSeriesParams.parse({ tenant: 'acme', ...p });

describe('Inspect.series service', () => {
  let f: ServiceFixture;
  let long: string;
  let small: string;
  let odd: string;
  before(async () => {
    f = openFixture();
    const exp = await f.ctx.scope.createExperiment({ name: 'series' });
    const newRun = async (startTime: number) => (await f.ctx.scope.createRun({ experimentId: exp, startTime })).info.runId;
    long = await newRun(START);
    // 10 000 steps, one point per 50 ms; the wave's extremes sit somewhere inside.
    await log(f.ctx.scope, long, Array.from({ length: 10_000 }, (_, i) => ({ key: 'loss', value: wave(i), timestamp: START + i * 50, step: i })));
    small = await newRun(START + 1000);
    await log(f.ctx.scope, small, Array.from({ length: 50 }, (_, i) => ({ key: 'loss', value: 50 - i, timestamp: START + 1000 + i, step: i * 2 })));
    odd = await newRun(START);
    await log(f.ctx.scope, odd, [
      { key: 'odd', value: 1, timestamp: START + 10, step: 0 },
      { key: 'odd', value: Number.NaN, timestamp: START + 20, step: 1 },
      { key: 'odd', value: Infinity, timestamp: START + 30, step: 2 },
      { key: 'odd', value: -Infinity, timestamp: START + 40, step: 3 },
      { key: 'odd', value: 2, timestamp: START + 50, step: 3 },
    ]);
  });
  after(() => f.close());

  test('a long curve comes back reduced for the width, in step order, with exact min, max and last', async () => {
    const view = await series(f.ctx.scope, request({ runIds: [long], keys: ['loss'], width: 100 }));
    assert.equal(view.xAxis, 'step');
    assert.deepEqual(view.startTimes, { [long]: START });
    const [s] = view.series;
    assert.equal(s!.totalPoints, 10_000);
    assert.equal(s!.reduced, true);
    assert.ok(s!.points.length > 100 && s!.points.length <= 400, `${s!.points.length}`);
    for (let i = 1; i < s!.points.length; i++) assert.ok(s!.points[i]![0] > s!.points[i - 1]![0]);
    const values = Array.from({ length: 10_000 }, (_, i) => wave(i));
    assert.equal(s!.min, Math.min(...values));
    assert.equal(s!.max, Math.max(...values));
    // The extremes themselves are among the points, as are the first and last step.
    const kept = s!.points.map((p) => p[1]);
    assert.ok(kept.includes(s!.min) && kept.includes(s!.max));
    assert.deepEqual(s!.points[0], [0, wave(0), START]);
    assert.deepEqual(s!.last, [9999, wave(9999), START + 9999 * 50]);
    assert.deepEqual(s!.points.at(-1), s!.last);
  });

  test('a small curve comes back whole; runs outer, keys inner; a key never logged is empty', async () => {
    const view = await series(f.ctx.scope, request({ runIds: [small, long], keys: ['loss', 'never'], width: 100 }));
    assert.deepEqual(
      view.series.map((s) => [s.runId, s.key]),
      [
        [small, 'loss'],
        [small, 'never'],
        [long, 'loss'],
        [long, 'never'],
      ],
    );
    const whole = view.series[0]!;
    assert.equal(whole.reduced, false);
    assert.equal(whole.totalPoints, 50);
    assert.deepEqual(
      whole.points,
      Array.from({ length: 50 }, (_, i) => [i * 2, 50 - i, START + 1000 + i]),
    );
    assert.deepEqual(view.series[1], { runId: small, key: 'never', totalPoints: 0, reduced: false, points: [], min: null, max: null, last: null });
  });

  test('zooming refines: a narrow range comes back at full resolution, a wider one reduced within it', async () => {
    const narrow = (await series(f.ctx.scope, request({ runIds: [long], keys: ['loss'], width: 100, range: { min: 2000, max: 2399 } }))).series[0]!;
    assert.equal(narrow.reduced, false);
    assert.equal(narrow.totalPoints, 400);
    assert.deepEqual(
      narrow.points.map((p) => p[0]),
      Array.from({ length: 400 }, (_, i) => 2000 + i),
    );
    const values = Array.from({ length: 400 }, (_, i) => wave(2000 + i));
    assert.equal(narrow.min, Math.min(...values));
    assert.deepEqual(narrow.last, [2399, wave(2399), START + 2399 * 50]);

    const wider = (await series(f.ctx.scope, request({ runIds: [long], keys: ['loss'], width: 100, range: { min: 1000.5, max: 5000 } }))).series[0]!;
    assert.equal(wider.reduced, true);
    assert.equal(wider.totalPoints, 4000);
    assert.ok(wider.points.length <= 400);
    assert.ok(wider.points.every((p) => p[0] >= 1001 && p[0] <= 5000));
    assert.equal(wider.points[0]![0], 1001);
    assert.equal(wider.points.at(-1)![0], 5000);
  });

  test('time and relative axes bucket and zoom along time; lttb keeps about width points', async () => {
    const time = (await series(f.ctx.scope, request({ runIds: [long], keys: ['loss'], width: 64, xAxis: 'time' }))).series[0]!;
    assert.ok(time.reduced && time.points.length <= 256);
    for (let i = 1; i < time.points.length; i++) assert.ok(time.points[i]![2] > time.points[i - 1]![2]);

    // The first second of the run: 20 points at 50 ms.
    const relative = await series(f.ctx.scope, request({ runIds: [long], keys: ['loss'], width: 64, xAxis: 'relative', range: { min: 0, max: 999 } }));
    assert.equal(relative.xAxis, 'relative');
    assert.deepEqual(
      relative.series[0]!.points.map((p) => p[2] - relative.startTimes[long]!),
      Array.from({ length: 20 }, (_, i) => i * 50),
    );
    const absolute = await series(f.ctx.scope, request({ runIds: [long], keys: ['loss'], width: 64, xAxis: 'time', range: { min: START, max: START + 999 } }));
    assert.deepEqual(absolute.series[0]!.points, relative.series[0]!.points);

    const lttb = (await series(f.ctx.scope, request({ runIds: [long], keys: ['loss'], width: 200, method: 'lttb' }))).series[0]!;
    assert.ok(lttb.reduced && lttb.points.length >= 200 && lttb.points.length <= 202, `${lttb.points.length}`);
    assert.ok(lttb.points.some((p) => p[1] === lttb.max) && lttb.points.some((p) => p[1] === lttb.min));
  });

  test('NaN answers null, infinities the largest double, and neither upsets min, max or last', async () => {
    const s = (await series(f.ctx.scope, request({ runIds: [odd], keys: ['odd'], width: 16 }))).series[0]!;
    assert.deepEqual(s.points, [
      [0, 1, START + 10],
      [1, null, START + 20],
      [2, Number.MAX_VALUE, START + 30],
      [3, -Number.MAX_VALUE, START + 40],
      [3, 2, START + 50],
    ]);
    assert.equal(s.min, -Number.MAX_VALUE);
    assert.equal(s.max, Number.MAX_VALUE);
    assert.deepEqual(s.last, [3, 2, START + 50]);
  });

  test('new points show in the next answer, from this process and from another one on the same file', async () => {
    const exp = await f.ctx.scope.createExperiment({ name: 'series-fresh' });
    const run = (await f.ctx.scope.createRun({ experimentId: exp, startTime: START })).info.runId;
    await log(f.ctx.scope, run, [{ key: 'm', value: 1, timestamp: START, step: 0 }]);
    const ask = async () => (await series(f.ctx.scope, request({ runIds: [run], keys: ['m'], width: 16 }))).series[0]!.totalPoints;
    assert.equal(await ask(), 1);
    await log(f.ctx.scope, run, [{ key: 'm', value: 2, timestamp: START + 1, step: 1 }]);
    assert.equal(await ask(), 2);
    // A second connection, as another daemon process would hold: its commits are seen too.
    const other = EmbeddedBackend.open({ dataDir: f.backend.dataDir });
    try {
      await other.logBatch(run, { metrics: [{ key: 'm', value: 3, timestamp: START + 2, step: 2 }] });
    } finally {
      await other.close();
    }
    assert.equal(await ask(), 3);
  });

  test("another tenant's run is refused like a missing one, before any history is read", async () => {
    let reads = 0;
    const counting = new Proxy(f.other.scope, {
      get(target, prop) {
        if (prop === 'getMetricRange') reads++;
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const own = (await f.other.scope.createRun({ experimentId: await f.other.scope.createExperiment({ name: 'mine' }) })).info.runId;
    const notFound = (id: string) => (err: unknown) =>
      err instanceof TrackingError && err.code === 'RESOURCE_DOES_NOT_EXIST' && err.message === `Run with id=${id} not found`;
    await assert.rejects(series(counting, request({ runIds: [own, long], keys: ['loss'], width: 16 })), notFound(long));
    const missing = '0123456789abcdef0123456789abcdef';
    await assert.rejects(series(counting, request({ runIds: [own, missing], keys: ['loss'], width: 16 })), notFound(missing));
    assert.equal(reads, 0);
  });

  test('a cancelled request stops reading between curves', async () => {
    const cancel = { isCancellationRequested: false };
    let reads = 0;
    const cancelling = new Proxy(f.ctx.scope, {
      get(target, prop) {
        if (prop === 'getMetricRange') {
          // The user zooms again while the first curve is being read.
          if (++reads === 1) cancel.isCancellationRequested = true;
        }
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const keys = Array.from({ length: 30 }, (_, i) => `k${i}`);
    await assert.rejects(series(cancelling, request({ runIds: [long, small], keys, width: 16 }), cancel), /cancelled/);
    // Up to one read per concurrent reader was already under way; the other 52 curves were never read.
    assert.ok(reads >= 1 && reads <= 8, `${reads} reads`);
  });

  test('limits and contradictions are refused before any work, naming the field', async () => {
    await assert.rejects(series(f.ctx.scope, request({ runIds: [long, long], keys: ['loss'], width: 16 })), refusal(/listed twice/, 'runIds'));
    await assert.rejects(series(f.ctx.scope, request({ runIds: [long], keys: ['a', 'a'], width: 16 })), refusal(/listed twice/, 'keys'));
    await assert.rejects(
      series(f.ctx.scope, request({ runIds: [long], keys: ['loss'], width: 16, range: { min: 5, max: 1 } })),
      refusal(/range.min \(5\) is greater than range.max \(1\)/, 'range'),
    );
    const runIds = Array.from({ length: 100 }, (_, i) => `run${i}`);
    const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
    assert.ok(100 * 10 * 4096 > SERIES_MAX_BUCKETS);
    await assert.rejects(series(f.ctx.scope, request({ runIds, keys, width: 4096 })), refusal(/4096000 buckets, more than 2000000/, 'keys'));
  });
});
