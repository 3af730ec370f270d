import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as experiments from '../../server/src/services/experiments.ts';
import { type ServiceFixture, openFixture, refusal } from './support.ts';

describe('experiment service', () => {
  let f: ServiceFixture;
  before(() => (f = openFixture()));
  after(() => f.close());

  test('the description lives in the note tag; the view shows it as a field and hides the daemon tags', async () => {
    const e = await experiments.create(f.ctx.scope, { name: 'churn', description: 'weekly', tags: { team: 'ds' } });
    assert.equal(e.name, 'churn');
    assert.equal(e.description, 'weekly');
    assert.deepEqual(e.tags, { team: 'ds' });
    const raw = await f.backend.getExperiment(e.id);
    assert.equal(raw.tags['mlflow.note.content'], 'weekly');
    assert.equal(raw.tags['matih.tenant_id'], 'acme');
  });

  test('reserved tags are refused on create and update, naming the field', async () => {
    await assert.rejects(
      experiments.create(f.ctx.scope, { name: 'x', tags: { 'mlflow.note.content': 'd' } }),
      refusal(/holds the description/, 'tags.mlflow.note.content'),
    );
    const e = await experiments.create(f.ctx.scope, { name: 'reserved' });
    await assert.rejects(
      experiments.update(f.ctx.scope, e.id, { tags: { 'matih.tenant_id': null } }),
      refusal(/reserved for the daemon/, 'tags.matih.tenant_id'),
    );
  });

  test('every change is checked before the first write', async () => {
    const e = await experiments.create(f.ctx.scope, { name: 'atomic', tags: { keep: '1' } });
    await assert.rejects(experiments.update(f.ctx.scope, e.id, { name: 'renamed', tags: { 'bad key!': 'v' } }), refusal(/invalid/, 'tags.bad key!'));
    const after = await experiments.get(f.ctx.scope, e.id);
    assert.equal(after.name, 'atomic');
    assert.deepEqual(after.tags, { keep: '1' });
  });

  test('rename, description, tags set and removed (null), removing an absent tag is fine', async () => {
    const e = await experiments.create(f.ctx.scope, { name: 'edit', description: 'old', tags: { a: '1', b: '2' } });
    const changed = await experiments.update(f.ctx.scope, e.id, { name: 'edited', tags: { a: null, c: '3', gone: null } });
    assert.equal(changed.name, 'edited');
    assert.equal(changed.description, 'old');
    assert.deepEqual(changed.tags, { b: '2', c: '3' });
    assert.equal((await experiments.update(f.ctx.scope, e.id, { description: '' })).description, '');
  });

  test('archive and restore are idempotent; an archived experiment cannot be changed', async () => {
    const e = await experiments.create(f.ctx.scope, { name: 'stages' });
    assert.equal((await experiments.archive(f.ctx.scope, e.id)).lifecycleStage, 'deleted');
    assert.equal((await experiments.archive(f.ctx.scope, e.id)).lifecycleStage, 'deleted');
    await assert.rejects(
      experiments.update(f.ctx.scope, e.id, { name: 'nope' }),
      refusal(new RegExp(`experiment ${e.id} is archived; restore it before changing it`), 'experiment_id'),
    );
    assert.equal((await experiments.restore(f.ctx.scope, e.id)).lifecycleStage, 'active');
    assert.equal((await experiments.restore(f.ctx.scope, e.id)).lifecycleStage, 'active');
  });

  test('lists only the tenant’s experiments, archived ones only when asked', async () => {
    const mine = await experiments.create(f.ctx.scope, { name: 'listed' });
    await experiments.create(f.other.scope, { name: 'listed' });
    await experiments.archive(f.ctx.scope, mine.id);
    const active = await experiments.list(f.ctx.scope, { maxResults: 100, view: 'active', filter: "name = 'listed'" });
    assert.deepEqual(active, { items: [] });
    const all = await experiments.list(f.ctx.scope, { maxResults: 100, view: 'all', filter: "name = 'listed'" });
    assert.deepEqual(all.items.map((e) => e.id), [mine.id]);
  });
});
