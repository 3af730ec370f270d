import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTags, isUserTag, parseTags, tagChanges, userTags } from '../../client/src/util/tags.ts';

describe('parseTags', () => {
  it('reads key=value pairs separated by commas, trimming spaces', () => {
    assert.deepEqual(parseTags(' team = data-science ,stage=dev', 100), {
      ok: true,
      tags: { team: 'data-science', stage: 'dev' },
    });
  });
  it('treats empty input and trailing commas as nothing', () => {
    assert.deepEqual(parseTags('', 100), { ok: true, tags: {} });
    assert.deepEqual(parseTags('  ', 100), { ok: true, tags: {} });
    assert.deepEqual(parseTags('a=1,', 100), { ok: true, tags: { a: '1' } });
  });
  it('splits on the first = only, and allows empty values', () => {
    assert.deepEqual(parseTags('expr=a=b, empty=', 100), { ok: true, tags: { expr: 'a=b', empty: '' } });
  });
  it('unescapes \\, and \\\\ inside values', () => {
    assert.deepEqual(parseTags('list=a\\, b, path=c:\\\\d', 100), { ok: true, tags: { list: 'a, b', path: 'c:\\d' } });
  });
  it('names the problem: missing value, bad key, duplicate, too long', () => {
    const message = (text: string, limit = 100): string => {
      const r = parseTags(text, limit);
      return r.ok ? '' : r.message;
    };
    assert.match(message('team'), /"team" needs a value/);
    assert.match(message('a*b=1'), /may only contain/);
    assert.match(message('=1'), /must not be empty/);
    assert.match(message('a=1, a=2'), /appears twice/);
    assert.match(message('a=123456', 5), /at most 5 characters.*tag "a"/);
    assert.match(message('matih.tenant_id=x'), /set by MATIH/);
  });
  it('refuses more than 100 tags', () => {
    const many = Array.from({ length: 101 }, (_, i) => `k${i}=v`).join(',');
    const r = parseTags(many, 100);
    assert.equal(r.ok, false);
  });
});

describe('formatTags', () => {
  it('sorts keys and escapes what parseTags unescapes', () => {
    const tags = { z: 'last', a: 'x, y', b: 'back\\slash' };
    const text = formatTags(tags);
    assert.equal(text, 'a=x\\, y, b=back\\\\slash, z=last');
    assert.deepEqual(parseTags(text, 100), { ok: true, tags });
  });
  it('formats nothing as an empty string', () => {
    assert.equal(formatTags({}), '');
  });
});

describe('user tags and changes', () => {
  it("hides MLflow's and MATIH's own tags", () => {
    assert.equal(isUserTag('team'), true);
    assert.equal(isUserTag('mlflow.runName'), false);
    assert.equal(isUserTag('matih.tenant_id'), false);
    assert.deepEqual(userTags({ team: 'ds', 'mlflow.user': 'me', 'matih.tenant_id': 'acme' }), { team: 'ds' });
  });
  it('sends new and changed tags, and null for removed ones', () => {
    assert.deepEqual(tagChanges({ a: '1', b: '2', c: '3' }, { a: '1', b: 'two', d: '4' }), { b: 'two', d: '4', c: null });
    assert.deepEqual(tagChanges({ a: '1' }, { a: '1' }), {});
  });
});
