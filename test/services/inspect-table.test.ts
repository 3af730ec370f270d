import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RunsTableParams, type RunsTableParams as TableInput, type RunRowView, type RunsTableView } from '../../protocol/src/index.ts';
import { table } from '../../server/src/services/inspect-table.ts';
import { TrackingError } from '../../server/src/tracking/errors.ts';
import { type ServiceFixture, openFixture, refusal } from './support.ts';

const request = (p: Omit<TableInput, 'tenant'>) => RunsTableParams.parse({ tenant: 'acme', ...p });
const START = 1_760_000_000_000;

describe('Inspect.table service', () => {
  let f: ServiceFixture;
  let exp: string;
  let second: string;
  const ids: string[] = [];
  before(async () => {
    f = openFixture();
    exp = await f.ctx.scope.createExperiment({ name: 'table' });
    second = await f.ctx.scope.createExperiment({ name: 'table-2' });
    for (const [i, acc] of [0.7, 0.95, 0.91, 0.85, 0.99].entries()) {
      const run = await f.ctx.scope.createRun({
        experimentId: exp,
        runName: `r${i}`,
        startTime: START + i * 1000,
        userId: 'fallback-user',
        tags: i === 0 ? { 'mlflow.user': 'ana', team: 'ds' } : { [`only-${i}`]: 'x' },
      });
      const id = run.info.runId;
      await f.ctx.scope.logBatch(id, {
        metrics: [
          { key: 'acc', value: acc, timestamp: START, step: 0 },
          { key: 'acc', value: acc / 2, timestamp: START, step: -1 },
          ...(i === 3 ? [{ key: 'nan', value: Number.NaN, timestamp: START, step: 0 }] : []),
        ],
        params: [{ key: 'model', value: i % 2 === 0 ? 'xgb' : 'linear' }, ...(i === 4 ? [{ key: 'lr', value: '0.1' }] : [])],
      });
      if (i < 3) await f.ctx.scope.updateRun(id, { status: 'FINISHED', endTime: START + i * 1000 + 500 });
      ids.push(id);
    }
    await f.ctx.scope.deleteRun(ids[1]!);
    await f.ctx.scope.createRun({ experimentId: second, runName: 'elsewhere', startTime: START - 1 });
  });
  after(() => f.close());

  test('rows are compact: epoch ms, lowercase status, latest metrics, params, user tags, the user', async () => {
    const view = await table(f.ctx.scope, request({ experimentIds: [exp] }));
    // Newest first by default; the archived run is left out.
    assert.deepEqual(view.rows.map((r) => r.name), ['r4', 'r3', 'r2', 'r0']);
    const r0 = view.rows.at(-1)!;
    assert.deepEqual(r0, {
      id: ids[0]!,
      experimentId: exp,
      name: 'r0',
      status: 'finished',
      lifecycleStage: 'active',
      startTime: START,
      endTime: START + 500,
      user: 'ana',
      params: { model: 'xgb' },
      metrics: { acc: 0.7 },
      tags: { 'mlflow.user': 'ana', team: 'ds', 'mlflow.runName': 'r0' },
    } satisfies RunRowView);
    const r3 = view.rows[1]!;
    assert.equal(r3.user, 'fallback-user');
    assert.equal(r3.endTime, null);
    assert.equal(r3.status, 'running');
    assert.deepEqual(r3.metrics, { acc: 0.85, nan: null });
    // The daemon's tenant tag never shows.
    assert.ok(view.rows.every((r) => !Object.keys(r.tags).some((k) => k.startsWith('matih.'))));
    assert.deepEqual(view.columns, {
      params: ['lr', 'model'],
      metrics: ['acc', 'nan'],
      tags: ['mlflow.runName', 'mlflow.user', 'only-2', 'only-3', 'only-4', 'team'],
    });
    assert.equal(view.nextPageToken, undefined);
  });

  test('pages cover every run once; columns are those of the page', async () => {
    const seen: string[] = [];
    let pageToken: string | undefined;
    const pages: RunsTableView[] = [];
    do {
      const page = await table(f.ctx.scope, request({ experimentIds: [exp, second], showArchived: true, maxResults: 2, ...(pageToken ? { pageToken } : {}) }));
      pages.push(page);
      seen.push(...page.rows.map((r) => r.name!));
      pageToken = page.nextPageToken;
    } while (pageToken);
    assert.deepEqual(seen, ['r4', 'r3', 'r2', 'r1', 'r0', 'elsewhere']);
    assert.deepEqual(pages.map((p) => p.rows.length), [2, 2, 2]);
    assert.deepEqual(pages[0]!.columns, { params: ['lr', 'model'], metrics: ['acc', 'nan'], tags: ['mlflow.runName', 'only-3', 'only-4'] });
    assert.deepEqual(pages[2]!.columns, { params: ['model'], metrics: ['acc'], tags: ['mlflow.runName', 'mlflow.user', 'team'] });
  });

  test('MLflow filter syntax and order, lowercase statuses, as Runs.list takes them', async () => {
    const best = await table(f.ctx.scope, request({ experimentIds: [exp], filter: 'metrics.acc > 0.8', orderBy: ['metrics.acc DESC'] }));
    assert.deepEqual(best.rows.map((r) => [r.name, r.metrics.acc]), [['r4', 0.99], ['r2', 0.91], ['r3', 0.85]]);
    const finished = await table(f.ctx.scope, request({ experimentIds: [exp], filter: "status = 'finished' and params.model = 'xgb'" }));
    assert.deepEqual(finished.rows.map((r) => r.name), ['r2', 'r0']);
    await assert.rejects(table(f.ctx.scope, request({ experimentIds: [exp], filter: 'metrics.acc >> 1' })), refusal(/unexpected token '>>'/, 'filter'));
  });

  test("another tenant's experiment is not found, like a missing one", async () => {
    const notFound = (id: string) => (err: unknown) =>
      err instanceof TrackingError && err.code === 'RESOURCE_DOES_NOT_EXIST' && err.message === `No Experiment with id=${id} exists`;
    await assert.rejects(table(f.other.scope, RunsTableParams.parse({ tenant: 'globex', experimentIds: [exp] })), notFound(exp));
    await assert.rejects(table(f.ctx.scope, request({ experimentIds: [exp, '987654'] })), notFound('987654'));
  });
});
