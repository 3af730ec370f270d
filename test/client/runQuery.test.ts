import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeQuery, isFiltered, orderChoices, parseOrderBy } from '../../client/src/util/runQuery.ts';

describe('run queries', () => {
  it('describes the filter and the order for the experiment row', () => {
    assert.equal(describeQuery({}), undefined);
    assert.equal(describeQuery({ filter: 'metrics.acc > 0.9' }), 'filter: metrics.acc > 0.9');
    assert.equal(
      describeQuery({ filter: 'params.m = "x"', orderBy: ['metrics.acc DESC', 'start_time'] }),
      'filter: params.m = "x" · order: metrics.acc DESC, start_time',
    );
    assert.equal(isFiltered({}), false);
    assert.equal(isFiltered({ filter: '' }), false);
    assert.equal(isFiltered({ orderBy: ['start_time ASC'] }), true);
  });

  it('offers the common orders, then best and worst by each metric', () => {
    const choices = orderChoices(['val loss', 'acc', 'acc']);
    assert.equal(choices[0]?.orderBy, undefined);
    const metric = choices.slice(4).map((c) => c.orderBy?.[0]);
    assert.deepEqual(metric, ['metrics.acc DESC', 'metrics.acc ASC', 'metrics.`val loss` DESC', 'metrics.`val loss` ASC']);
  });

  it('reads typed orders, normalising the direction', () => {
    assert.deepEqual(parseOrderBy(''), { ok: true, orderBy: undefined });
    assert.deepEqual(parseOrderBy('metrics.acc desc, start_time'), { ok: true, orderBy: ['metrics.acc DESC', 'start_time'] });
    assert.deepEqual(parseOrderBy('params.`batch size` ASC'), { ok: true, orderBy: ['params.`batch size` ASC'] });
    assert.deepEqual(parseOrderBy('metrics.`a,b` DESC'), { ok: true, orderBy: ['metrics.`a,b` DESC'] });
    assert.deepEqual(parseOrderBy('run_name'), { ok: true, orderBy: ['run_name'] });
  });

  it('names what is wrong with a typed order', () => {
    const message = (text: string): string => {
      const r = parseOrderBy(text);
      return r.ok ? '' : r.message;
    };
    assert.match(message('accuracy DESC'), /"accuracy" is not a column/);
    assert.match(message('metrics.acc DESC,'), /Empty clause/);
    assert.match(message('metrics.val loss'), /quote the key/);
    assert.match(message('metrics.'), /not a column/);
  });
});
