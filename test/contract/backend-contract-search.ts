/**
 * Contract sections for search: every run filter operator, ordering with missing values, paging,
 * view types, and experiment search.
 */

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TrackingBackend } from '../../server/src/tracking/backend.ts';
import type { Experiment, Metric, Page, Run, SearchExperimentsInput, SearchRunsInput } from '../../server/src/tracking/types.ts';
import { MISSING_EXPERIMENT_ID, expectCode, metric } from './backend-contract-support.ts';
import type { ContractContext } from './backend-contract-support.ts';

/** Run search over a fixed set of runs with known metrics, params, tags and times. */
export function searchRunsContract(ctx: ContractContext): void {
  const { newExperiment, newRun } = ctx;
  describe('search runs', () => {
    let backend: TrackingBackend;
    before(() => {
      backend = ctx.backend;
    });
    let exp: string;
    let other: string;
    let base: number;
    const runs: Record<string, Run> = {};
    const idOf = (name: string): string => runs[name]!.info.runId;

    before(async () => {
      exp = await newExperiment('search');
      other = await newExperiment('search-other');
      base = Date.now() - 100_000;
      const make = async (
        runName: string,
        offset: number,
        data: { metrics?: Metric[]; params?: Record<string, string>; tags?: Record<string, string> },
        experimentId = exp,
      ): Promise<void> => {
        const run = await backend.createRun({ experimentId, runName, startTime: base + offset, userId: `user-${runName}` });
        await backend.logBatch(run.info.runId, {
          metrics: data.metrics ?? [],
          params: Object.entries(data.params ?? {}).map(([key, value]) => ({ key, value })),
          tags: Object.entries(data.tags ?? {}).map(([key, value]) => ({ key, value })),
        });
        runs[runName] = await backend.getRun(run.info.runId);
      };
      await make('alpha', 1000, {
        metrics: [metric('acc', 0.1, base, 0), metric('acc', 0.9, base + 1, 1), metric('score', 2, base, 0), metric('val loss', 0.25, base, 0)],
        params: { model: 'xgboost', lr: '0.1' },
        tags: { team: 'Vision', tier: 'b' },
      });
      await make('beta', 2000, {
        metrics: [metric('acc', 0.7, base, 0), metric('score', 1, base, 0)],
        params: { model: 'XGBoost', lr: '0.01' },
        tags: { team: 'nlp', tier: 'c' },
      });
      await make('gamma', 3000, { metrics: [metric('acc', 0.8, base, 0), metric('score', Number.NaN, base, 0)], params: { model: 'linear' } });
      await make('delta', 4000, { params: { model: 'rf' }, tags: { team: 'vision', tier: 'a' } });
      await make('eps', 5000, { metrics: [metric('acc', 0.95, base, 0)] });
      await backend.deleteRun(idOf('eps'));
      await make('zeta', 6000, { metrics: [metric('acc', 0.85, base, 0)] }, other);
      await backend.updateRun(idOf('alpha'), { status: 'FINISHED', endTime: base + 1500 });
      runs['alpha'] = await backend.getRun(idOf('alpha'));
    });

    const search = async (input: Partial<SearchRunsInput>): Promise<Page<Run>> =>
      backend.searchRuns({ experimentIds: [exp], maxResults: 100, ...input });
    const names = async (filter?: string, input: Partial<SearchRunsInput> = {}): Promise<string[]> =>
      (await search({ ...(filter === undefined ? {} : { filter }), ...input })).items.map((r) => r.info.runName);

    it('returns active runs newest first with their latest data', async () => {
      assert.deepEqual(await names(), ['delta', 'gamma', 'beta', 'alpha']);
      const alpha = (await search({ filter: "attributes.run_name = 'alpha'" })).items[0];
      assert.deepEqual(alpha, runs['alpha']);
      assert.deepEqual(alpha?.data.params, { model: 'xgboost', lr: '0.1' });
      assert.deepEqual(
        alpha?.data.metrics.slice().sort((x, y) => x.key.localeCompare(y.key)),
        [metric('acc', 0.9, base + 1, 1), metric('score', 2, base, 0), metric('val loss', 0.25, base, 0)],
      );
    });

    it('filters on the latest metric value with every numeric operator', async () => {
      assert.deepEqual(await names('metrics.acc = 0.9'), ['alpha']);
      assert.deepEqual(await names('metrics.acc != 0.9'), ['gamma', 'beta']);
      assert.deepEqual(await names('metrics.acc > 0.75'), ['gamma', 'alpha']);
      assert.deepEqual(await names('metrics.acc >= 0.8'), ['gamma', 'alpha']);
      assert.deepEqual(await names('metrics.acc < 0.8'), ['beta']);
      assert.deepEqual(await names('metrics.acc <= 0.8'), ['gamma', 'beta']);
      assert.deepEqual(await names('metrics.acc < 0.2'), []);
      assert.deepEqual(await names('metric.acc >= -1e3'), ['gamma', 'beta', 'alpha']);
      assert.deepEqual(await names('metrics."val loss" < 1'), ['alpha']);
      assert.deepEqual(await names('metrics.`val loss` < 1'), ['alpha']);
    });

    it('filters params with = != LIKE ILIKE IS NULL IS NOT NULL', async () => {
      assert.deepEqual(await names("params.model = 'xgboost'"), ['alpha']);
      assert.deepEqual(await names("params.model != 'xgboost'"), ['delta', 'gamma', 'beta']);
      assert.deepEqual(await names("params.model LIKE 'xg%'"), ['alpha']);
      assert.deepEqual(await names("params.model LIKE 'XG%'"), ['beta']);
      assert.deepEqual(await names("params.model ILIKE 'xg%'"), ['beta', 'alpha']);
      assert.deepEqual(await names("params.model LIKE 'r_'"), ['delta']);
      assert.deepEqual(await names("param.model like '%in%'"), ['gamma']);
      assert.deepEqual(await names('params.lr IS NULL'), ['delta', 'gamma']);
      assert.deepEqual(await names('params.lr IS NOT NULL'), ['beta', 'alpha']);
      // A != comparison only matches runs that have the key, as in MLflow's SQL store.
      assert.deepEqual(await names("params.lr != '0.1'"), ['beta']);
      assert.deepEqual(await names('params.model = "rf"'), ['delta']);
    });

    it('filters tags with = != LIKE ILIKE IS NULL IS NOT NULL', async () => {
      assert.deepEqual(await names("tags.team = 'vision'"), ['delta']);
      assert.deepEqual(await names("tags.team != 'nlp'"), ['delta', 'alpha']);
      assert.deepEqual(await names("tags.team LIKE 'vis%'"), ['delta']);
      assert.deepEqual(await names("tags.team ILIKE 'VIS%'"), ['delta', 'alpha']);
      assert.deepEqual(await names('tags.team IS NULL'), ['gamma']);
      assert.deepEqual(await names('tag.team IS NOT NULL'), ['delta', 'beta', 'alpha']);
      assert.deepEqual(await names("tags.mlflow.runName = 'beta'"), ['beta']);
      assert.deepEqual(await names("tags.`mlflow.runName` = 'beta'"), ['beta']);
    });

    it('filters attributes', async () => {
      assert.deepEqual(await names("attributes.run_name = 'alpha'"), ['alpha']);
      assert.deepEqual(await names("run_name LIKE 'g%'"), ['gamma']);
      assert.deepEqual(await names("attributes.status = 'FINISHED'"), ['alpha']);
      assert.deepEqual(await names("attributes.status != 'FINISHED'"), ['delta', 'gamma', 'beta']);
      assert.deepEqual(await names("attributes.user_id = 'user-beta'"), ['beta']);
      assert.deepEqual(await names(`attributes.run_id = '${idOf('beta')}'`), ['beta']);
      assert.deepEqual(await names(`attributes.run_id IN ('${idOf('alpha')}', '${idOf('gamma')}')`), ['gamma', 'alpha']);
      assert.deepEqual(await names(`attributes.run_id NOT IN ('${idOf('alpha')}')`), ['delta', 'gamma', 'beta']);
      assert.deepEqual(await names(`attributes.start_time > ${base + 2500}`), ['delta', 'gamma']);
      assert.deepEqual(await names(`attributes.created <= ${base + 2000}`), ['beta', 'alpha']);
      assert.deepEqual(await names(`attributes.end_time = ${base + 1500}`), ['alpha']);
      assert.deepEqual(await names(`attributes.artifact_uri LIKE '%${idOf('delta')}%'`), ['delta']);
    });

    it('combines comparisons with AND, keywords in any case', async () => {
      assert.deepEqual(await names("metrics.acc > 0.75 and params.model ilike 'XG%'"), ['alpha']);
      assert.deepEqual(await names("metrics.acc > 0.5 AND tags.team IS NOT NULL AND params.lr LIKE '0.0%'"), ['beta']);
    });

    it('searches several experiments; unknown experiment ids match nothing', async () => {
      assert.deepEqual(await names('metrics.acc > 0.75', { experimentIds: [exp, other] }), ['zeta', 'gamma', 'alpha']);
      assert.deepEqual(await names(undefined, { experimentIds: [MISSING_EXPERIMENT_ID] }), []);
      assert.deepEqual(await names(undefined, { experimentIds: [other, MISSING_EXPERIMENT_ID] }), ['zeta']);
    });

    it('honours view types', async () => {
      assert.deepEqual(await names(undefined, { viewType: 'ACTIVE_ONLY' }), ['delta', 'gamma', 'beta', 'alpha']);
      assert.deepEqual(await names(undefined, { viewType: 'DELETED_ONLY' }), ['eps']);
      assert.deepEqual(await names(undefined, { viewType: 'ALL' }), ['eps', 'delta', 'gamma', 'beta', 'alpha']);
      assert.deepEqual(await names('metrics.acc > 0.9', { viewType: 'ALL' }), ['eps']);
    });

    it('orders by metrics with NaN and then missing values last', async () => {
      assert.deepEqual(await names(undefined, { orderBy: ['metrics.acc DESC'] }), ['alpha', 'gamma', 'beta', 'delta']);
      assert.deepEqual(await names(undefined, { orderBy: ['metrics.acc ASC'] }), ['beta', 'gamma', 'alpha', 'delta']);
      assert.deepEqual(await names(undefined, { orderBy: ['metrics.score desc'] }), ['alpha', 'beta', 'gamma', 'delta']);
      assert.deepEqual(await names(undefined, { orderBy: ['metrics.score'] }), ['beta', 'alpha', 'gamma', 'delta']);
    });

    it('orders by params, tags and attributes, missing last, ties by start_time DESC', async () => {
      assert.deepEqual(await names(undefined, { orderBy: ['params.lr ASC'] }), ['beta', 'alpha', 'delta', 'gamma']);
      assert.deepEqual(await names(undefined, { orderBy: ['params.lr DESC'] }), ['alpha', 'beta', 'delta', 'gamma']);
      assert.deepEqual(await names(undefined, { orderBy: ['tags.tier DESC'] }), ['beta', 'alpha', 'delta', 'gamma']);
      assert.deepEqual(await names(undefined, { orderBy: ['attributes.start_time ASC'] }), ['alpha', 'beta', 'gamma', 'delta']);
      assert.deepEqual(await names(undefined, { orderBy: ['run_name'] }), ['alpha', 'beta', 'delta', 'gamma']);
      assert.deepEqual(await names(undefined, { orderBy: ['attributes.end_time DESC'] }), ['alpha', 'delta', 'gamma', 'beta']);
      assert.deepEqual(await names(undefined, { orderBy: ['tags.tier ASC', 'metrics.acc DESC'] }), ['delta', 'alpha', 'beta', 'gamma']);
    });

    it('breaks ties on equal start times by run id', async () => {
      const tied = await newExperiment('ties');
      const t = Date.now();
      const made = [await newRun(tied, { startTime: t }), await newRun(tied, { startTime: t }), await newRun(tied, { startTime: t })];
      const expected = made.map((r) => r.info.runId).sort();
      const got = await backend.searchRuns({ experimentIds: [tied], maxResults: 10 });
      assert.deepEqual(got.items.map((r) => r.info.runId), expected);
    });

    it('pages with tokens', async () => {
      const first = await search({ maxResults: 3 });
      assert.deepEqual(first.items.map((r) => r.info.runName), ['delta', 'gamma', 'beta']);
      assert.ok(first.nextPageToken);
      const second = await search({ maxResults: 3, pageToken: first.nextPageToken });
      assert.deepEqual(second.items.map((r) => r.info.runName), ['alpha']);
      assert.equal(second.nextPageToken, undefined);

      const all: string[] = [];
      let token: string | undefined;
      do {
        const page = await search({ maxResults: 1, orderBy: ['metrics.acc DESC'], ...(token ? { pageToken: token } : {}) });
        all.push(...page.items.map((r) => r.info.runName));
        token = page.nextPageToken;
      } while (token);
      assert.deepEqual(all, ['alpha', 'gamma', 'beta', 'delta']);
    });

    it('refuses bad tokens, page sizes, filters and order_by', async () => {
      await expectCode(search({ pageToken: 'not-a-token' }), 'INVALID_PARAMETER_VALUE');
      await expectCode(search({ maxResults: 0 }), 'INVALID_PARAMETER_VALUE');
      await expectCode(search({ maxResults: 50001 }), 'INVALID_PARAMETER_VALUE');
      await expectCode(search({ filter: 'metrics.acc >> 1' }), 'INVALID_PARAMETER_VALUE');
      await expectCode(search({ filter: "params.a = 'x' OR params.b = 'y'" }), 'INVALID_PARAMETER_VALUE');
      await expectCode(search({ filter: 'params.model = 1' }), 'INVALID_PARAMETER_VALUE');
      await expectCode(search({ filter: "metrics.acc > 'x'" }), 'INVALID_PARAMETER_VALUE');
      await expectCode(search({ filter: "attributes.run_name IN ('a')" }), 'INVALID_PARAMETER_VALUE');
      await expectCode(search({ filter: "nonsense.key = 'x'" }), 'INVALID_PARAMETER_VALUE');
      await expectCode(search({ orderBy: ['metrics.acc SIDEWAYS'] }), 'INVALID_PARAMETER_VALUE');
    });
  });
}

/** Experiment search over a fixed set of experiments sharing a name prefix. */
export function searchExperimentsContract(ctx: ContractContext): void {
  const { prefix } = ctx;
  describe('search experiments', () => {
    let backend: TrackingBackend;
    before(() => {
      backend = ctx.backend;
    });
    let ids: Record<'a' | 'b' | 'c' | 'd', string>;
    const p = `${prefix}-sx`;
    before(async () => {
      ids = {
        a: await backend.createExperiment({ name: `${p}-exp-a`, tags: { team: 'ds', tier: 'gold' } }),
        b: await backend.createExperiment({ name: `${p}-exp-b`, tags: { team: 'ml' } }),
        c: await backend.createExperiment({ name: `${p}-EXP-c` }),
        d: await backend.createExperiment({ name: `${p}-exp-d` }),
      };
      await backend.deleteExperiment(ids.d);
    });

    const find = async (filter: string, input: Partial<SearchExperimentsInput> = {}): Promise<Page<Experiment>> =>
      backend.searchExperiments({ filter, maxResults: 100, ...input });
    const namesOf = async (filter: string, input: Partial<SearchExperimentsInput> = {}): Promise<string[]> =>
      (await find(filter, input)).items.map((e) => e.name.slice(p.length + 1));

    it('filters by name with = != LIKE ILIKE', async () => {
      assert.deepEqual(await namesOf(`name = '${p}-exp-a'`), ['exp-a']);
      assert.deepEqual(await namesOf(`name LIKE '${p}-exp-%'`, { orderBy: ['name'] }), ['exp-a', 'exp-b']);
      assert.deepEqual((await namesOf(`name ILIKE '${p}-exp-%'`)).sort(), ['EXP-c', 'exp-a', 'exp-b']);
      assert.deepEqual((await namesOf(`name != '${p}-exp-a' and name LIKE '${p}%'`)).sort(), ['EXP-c', 'exp-b']);
    });

    it('filters by experiment id', async () => {
      assert.deepEqual(await namesOf(`experiment_id = '${ids.b}'`), ['exp-b']);
      assert.deepEqual((await namesOf(`experiment_id IN ('${ids.a}', '${ids.c}', '${ids.d}')`)).sort(), ['EXP-c', 'exp-a']);
      assert.deepEqual(
        (await namesOf(`experiment_id NOT IN ('${ids.a}') AND name LIKE '${p}%'`)).sort(),
        ['EXP-c', 'exp-b'],
      );
    });

    it('filters by tags and creation time', async () => {
      assert.deepEqual(await namesOf(`tags.team = 'ds' AND name LIKE '${p}%'`), ['exp-a']);
      assert.deepEqual(await namesOf(`tags.team LIKE 'm%' AND name LIKE '${p}%'`), ['exp-b']);
      assert.deepEqual(await namesOf(`tags.team ILIKE 'DS' AND name LIKE '${p}%'`), ['exp-a']);
      assert.deepEqual(await namesOf(`tags.team != 'ds' AND name LIKE '${p}%'`), ['exp-b']);
      assert.deepEqual(await namesOf(`tags.team IS NULL AND name LIKE '${p}%'`), ['EXP-c']);
      assert.deepEqual((await namesOf(`tags.team IS NOT NULL AND name LIKE '${p}%'`)).sort(), ['exp-a', 'exp-b']);
      const a = await backend.getExperiment(ids.a);
      const later = (await namesOf(`creation_time > ${a.creationTime + 10 ** 9} AND name LIKE '${p}%'`));
      assert.deepEqual(later, []);
      assert.deepEqual((await namesOf(`creation_time >= ${a.creationTime} AND name LIKE '${p}%'`)).sort(), ['EXP-c', 'exp-a', 'exp-b']);
    });

    it('orders by name and id, and by creation_time DESC then id ASC by default', async () => {
      const filter = `name LIKE '${p}-exp-%'`;
      assert.deepEqual(await namesOf(filter, { orderBy: ['name DESC'] }), ['exp-b', 'exp-a']);
      assert.deepEqual((await find(filter, { orderBy: ['experiment_id ASC'] })).items.map((e) => e.experimentId), [ids.a, ids.b]);
      assert.deepEqual((await find(filter, { orderBy: ['experiment_id DESC'] })).items.map((e) => e.experimentId), [ids.b, ids.a]);
      const all = (await find(`name LIKE '${p}%'`, { viewType: 'ALL' })).items;
      const expected = all
        .slice()
        .sort((x, y) => y.creationTime - x.creationTime || Number(x.experimentId) - Number(y.experimentId))
        .map((e) => e.experimentId);
      assert.deepEqual(all.map((e) => e.experimentId), expected);
      assert.equal(all.length, 4);
    });

    it('returns tags and honours view types', async () => {
      const [a] = (await find(`name = '${p}-exp-a'`)).items;
      assert.deepEqual(a?.tags, { team: 'ds', tier: 'gold' });
      assert.deepEqual(await namesOf(`name LIKE '${p}%'`, { viewType: 'DELETED_ONLY' }), ['exp-d']);
      assert.equal((await find(`name LIKE '${p}%'`, { viewType: 'ALL' })).items.length, 4);
      assert.equal((await find(`name LIKE '${p}%'`)).items.length, 3);
    });

    it('finds the Default experiment', async () => {
      const page = await find("name = 'Default'", { viewType: 'ALL' });
      assert.deepEqual(page.items.map((e) => e.experimentId), ['0']);
    });

    it('pages with tokens', async () => {
      const filter = `name LIKE '${p}%'`;
      const first = await find(filter, { maxResults: 2, orderBy: ['experiment_id'] });
      assert.deepEqual(first.items.map((e) => e.experimentId), [ids.a, ids.b]);
      assert.ok(first.nextPageToken);
      const second = await find(filter, { maxResults: 2, orderBy: ['experiment_id'], pageToken: first.nextPageToken });
      assert.deepEqual(second.items.map((e) => e.experimentId), [ids.c]);
      assert.equal(second.nextPageToken, undefined);
    });

    it('refuses bad tokens, page sizes, filters and order_by', async () => {
      await expectCode(find('', { pageToken: 'not-a-token' }), 'INVALID_PARAMETER_VALUE');
      await expectCode(find('', { maxResults: 0 }), 'INVALID_PARAMETER_VALUE');
      await expectCode(find('', { maxResults: 50001 }), 'INVALID_PARAMETER_VALUE');
      await expectCode(find('metrics.acc > 1'), 'INVALID_PARAMETER_VALUE');
      await expectCode(find("name = 'a' OR name = 'b'"), 'INVALID_PARAMETER_VALUE');
      await expectCode(find('', { orderBy: ['tags.team'] }), 'INVALID_PARAMETER_VALUE');
    });
  });
}
