import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrackingError } from '../../server/src/tracking/errors.ts';
import {
  decodePageToken,
  encodePageToken,
  parseExperimentFilter,
  parseExperimentOrderBy,
  parseRunFilter,
  parseRunOrderBy,
} from '../../server/src/tracking/search/index.ts';

function rejects(fn: () => unknown, field: string, message: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TrackingError, `expected a TrackingError, got ${String(err)}`);
    assert.equal(err.code, 'INVALID_PARAMETER_VALUE');
    assert.equal(err.field, field);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

describe('run filter: structure', () => {
  it('empty and blank filters mean no condition', () => {
    assert.deepEqual(parseRunFilter(undefined), []);
    assert.deepEqual(parseRunFilter(''), []);
    assert.deepEqual(parseRunFilter('   '), []);
  });

  it('parses AND-joined comparisons, keywords in any case', () => {
    assert.deepEqual(parseRunFilter("metrics.acc > 0.9 and params.model = 'xgb' AnD tags.team LIKE 'ml%'"), [
      { entity: 'metric', key: 'acc', op: '>', value: 0.9 },
      { entity: 'param', key: 'model', op: '=', value: 'xgb' },
      { entity: 'tag', key: 'team', op: 'LIKE', value: 'ml%' },
    ]);
  });

  it('points at an unknown operator', () => {
    rejects(() => parseRunFilter('metrics.acc >> 1'), 'filter', "Invalid filter 'metrics.acc >> 1': unexpected token '>>' at position 12");
    rejects(() => parseRunFilter('metrics.acc == 1'), 'filter', /unexpected token '==' at position 12/);
    rejects(() => parseRunFilter('metrics.acc <> 1'), 'filter', /unexpected token '<>' at position 12/);
  });

  it('refuses OR, parentheses, trailing tokens and dangling AND', () => {
    rejects(() => parseRunFilter("params.a = 'x' OR params.b = 'y'"), 'filter', /unexpected token 'OR' at position 15; comparisons can only be joined with AND/);
    rejects(() => parseRunFilter("(params.a = 'x')"), 'filter', /expected a key such as metrics.<name> at position 0, found '\('/);
    rejects(() => parseRunFilter("params.a = 'x' AND"), 'filter', /expected a key .* found end of input/);
    rejects(() => parseRunFilter("params.a = 'x' params.b = 'y'"), 'filter', /unexpected token 'params.b' at position 15/);
    rejects(() => parseRunFilter("params.a = 'x'; drop table runs"), 'filter', /unexpected token ';/);
    rejects(() => parseRunFilter('metrics.acc'), 'filter', /expected a comparison operator after 'metrics.acc' at position 11, found end of input/);
  });

  it('refuses unterminated strings and quoted names', () => {
    rejects(() => parseRunFilter("params.a = 'x"), 'filter', /unterminated string starting at position 11/);
    rejects(() => parseRunFilter('metrics."a > 1'), 'filter', /unterminated quoted name starting at position 8/);
  });
});

describe('run filter: identifiers', () => {
  it('accepts every prefix alias', () => {
    const cases: [string, string][] = [
      ['metric', 'metric'],
      ['metrics', 'metric'],
      ['param', 'param'],
      ['params', 'param'],
      ['parameter', 'param'],
      ['parameters', 'param'],
      ['tag', 'tag'],
      ['tags', 'tag'],
    ];
    for (const [prefix, entity] of cases) {
      const value = entity === 'metric' ? '1' : "'v'";
      const [c] = parseRunFilter(`${prefix}.k = ${value}`);
      assert.equal(c?.entity, entity, prefix);
      assert.equal(c?.key, 'k');
    }
    for (const prefix of ['attribute', 'attributes', 'attr', 'run']) {
      assert.deepEqual(parseRunFilter(`${prefix}.status = 'FINISHED'`), [
        { entity: 'attribute', key: 'status', op: '=', value: 'FINISHED', numeric: false },
      ]);
    }
  });

  it('bare names are attributes; aliases resolve to canonical keys', () => {
    assert.deepEqual(parseRunFilter("run_name = 'a'"), [{ entity: 'attribute', key: 'run_name', op: '=', value: 'a', numeric: false }]);
    assert.deepEqual(parseRunFilter("`Run Name` = 'a'"), [{ entity: 'attribute', key: 'run_name', op: '=', value: 'a', numeric: false }]);
    assert.deepEqual(parseRunFilter('"run name" != \'a\''), [{ entity: 'attribute', key: 'run_name', op: '!=', value: 'a', numeric: false }]);
    assert.deepEqual(parseRunFilter('attributes.created >= 10'), [{ entity: 'attribute', key: 'start_time', op: '>=', value: 10, numeric: true }]);
    assert.deepEqual(parseRunFilter('Created < 10'), [{ entity: 'attribute', key: 'start_time', op: '<', value: 10, numeric: true }]);
    assert.deepEqual(parseRunFilter('end_time <= 5'), [{ entity: 'attribute', key: 'end_time', op: '<=', value: 5, numeric: true }]);
  });

  it('quoted keys may hold any character; unquoted keys may hold dots', () => {
    assert.deepEqual(parseRunFilter('metrics."val loss/x-y" < 2'), [{ entity: 'metric', key: 'val loss/x-y', op: '<', value: 2 }]);
    assert.deepEqual(parseRunFilter('metrics.`a.b` < 2'), [{ entity: 'metric', key: 'a.b', op: '<', value: 2 }]);
    assert.deepEqual(parseRunFilter("tags.mlflow.runName = 'r'"), [{ entity: 'tag', key: 'mlflow.runName', op: '=', value: 'r' }]);
    assert.deepEqual(parseRunFilter('`metrics`.acc > 0'), [{ entity: 'metric', key: 'acc', op: '>', value: 0 }]);
  });

  it('refuses unknown prefixes, attributes and unquoted special characters', () => {
    rejects(() => parseRunFilter("foo.bar = 'x'"), 'filter', /invalid entity type 'foo' at position 0; expected one of metrics, params, tags, attributes, datasets/);
    rejects(() => parseRunFilter("METRICS.acc = 1"), 'filter', /invalid entity type 'METRICS'/);
    rejects(() => parseRunFilter("attributes.colour = 'x'"), 'filter', /invalid attribute key 'colour' at position 0; valid keys are run_id, run_name/);
    rejects(() => parseRunFilter('metrics.val-loss > 1'), 'filter', /unexpected token '-loss' at position 11/);
    rejects(() => parseRunFilter("datasets.size = 'x'"), 'filter', /invalid dataset key 'size'/);
  });
});

describe('run filter: operators and values', () => {
  it('metrics take numbers: integers, decimals, negatives, exponents', () => {
    const values = ['1', '-1', '0.5', '.5', '-2.5e-3', '1E10', '3.'];
    for (const v of values) {
      const [c] = parseRunFilter(`metrics.m = ${v}`);
      assert.deepEqual(c, { entity: 'metric', key: 'm', op: '=', value: Number(v) });
    }
    for (const op of ['=', '!=', '>', '>=', '<', '<=']) {
      assert.equal(parseRunFilter(`metrics.m ${op} 1`)[0]?.op, op);
    }
  });

  it('metrics refuse strings and string operators', () => {
    rejects(() => parseRunFilter("metrics.m > '1'"), 'filter', /expected a number for metric 'm' at position 12, found ''1''/);
    rejects(() => parseRunFilter("metrics.m LIKE '1'"), 'filter', /operator 'LIKE' at position 10 is not supported for metric 'm'; use one of =, !=, >, >=, <, <=/);
    rejects(() => parseRunFilter('metrics.m IS NULL'), 'filter', /operator 'IS NULL' .* not supported for metric 'm'/);
    rejects(() => parseRunFilter('metrics.m = 1x'), 'filter', /unexpected token '1x' at position 12/);
  });

  it('params and tags take quoted strings (single or double quotes) and the null checks', () => {
    assert.deepEqual(parseRunFilter('params.p = "dq"'), [{ entity: 'param', key: 'p', op: '=', value: 'dq' }]);
    assert.deepEqual(parseRunFilter("params.p = 'it''s'"), [{ entity: 'param', key: 'p', op: '=', value: "it's" }]);
    assert.deepEqual(parseRunFilter("params.p ILIKE '%X%'"), [{ entity: 'param', key: 'p', op: 'ILIKE', value: '%X%' }]);
    assert.deepEqual(parseRunFilter('params.p IS NULL and tags.t is not null'), [
      { entity: 'param', key: 'p', op: 'IS NULL' },
      { entity: 'tag', key: 't', op: 'IS NOT NULL' },
    ]);
    rejects(() => parseRunFilter('params.p = 1'), 'filter', /expected a quoted string for param 'p' at position 11, found '1'/);
    rejects(() => parseRunFilter('params.p = abc'), 'filter', /expected a quoted string for param 'p'/);
    rejects(() => parseRunFilter('params.p = `abc`'), 'filter', /expected a quoted string for param 'p'/);
    rejects(() => parseRunFilter("params.p > 'a'"), 'filter', /operator '>' .* not supported for param 'p'; use one of =, !=, LIKE, ILIKE, IS NULL, IS NOT NULL/);
    rejects(() => parseRunFilter("params.p NOT LIKE 'a'"), 'filter', /expected IN after NOT at position 13, found 'LIKE'/);
    rejects(() => parseRunFilter('params.p IS NOT 5'), 'filter', /expected NULL at position 16, found '5'/);
  });

  it('IN and NOT IN take string lists, only for run_id', () => {
    assert.deepEqual(parseRunFilter("attributes.run_id IN ('a', \"b\",'c')"), [
      { entity: 'attribute', key: 'run_id', op: 'IN', values: ['a', 'b', 'c'], numeric: false },
    ]);
    assert.deepEqual(parseRunFilter("run_id not in ('a')"), [
      { entity: 'attribute', key: 'run_id', op: 'NOT IN', values: ['a'], numeric: false },
    ]);
    rejects(() => parseRunFilter("run_name IN ('a')"), 'filter', /operator 'IN' .* not supported for attribute 'run_name'.*only supported for run_id\)$/);
    rejects(() => parseRunFilter("params.p IN ('a')"), 'filter', /operator 'IN' .* not supported for param 'p'/);
    rejects(() => parseRunFilter('run_id IN ()'), 'filter', /expected a quoted string in the IN list at position 11, found '\)'/);
    rejects(() => parseRunFilter("run_id IN ('a' 'b')"), 'filter', /expected ',' or '\)' at position 15/);
    rejects(() => parseRunFilter("run_id IN 'a'"), 'filter', /expected '\(' at position 10/);
  });

  it('string attributes take strings, numeric attributes take numbers', () => {
    assert.deepEqual(parseRunFilter("status != 'FAILED' and start_time > -5"), [
      { entity: 'attribute', key: 'status', op: '!=', value: 'FAILED', numeric: false },
      { entity: 'attribute', key: 'start_time', op: '>', value: -5, numeric: true },
    ]);
    rejects(() => parseRunFilter("start_time > '5'"), 'filter', /expected a number for attribute 'start_time'/);
    rejects(() => parseRunFilter('user_id = 5'), 'filter', /expected a quoted string for attribute 'user_id'/);
    rejects(() => parseRunFilter("status > 'a'"), 'filter', /operator '>' .* not supported for attribute 'status'/);
  });

  it('datasets parse (the store decides whether it supports them)', () => {
    assert.deepEqual(parseRunFilter("datasets.digest IN ('a')"), [{ entity: 'dataset', key: 'digest', op: 'IN', values: ['a'] }]);
    assert.deepEqual(parseRunFilter("dataset.name LIKE 'tr%'"), [{ entity: 'dataset', key: 'name', op: 'LIKE', value: 'tr%' }]);
  });
});

describe('experiment filter', () => {
  it('parses name, times and tags', () => {
    assert.deepEqual(parseExperimentFilter("name LIKE 'churn%' AND tags.team = 'ds' and creation_time > 100 and attribute.last_update_time <= 5"), [
      { entity: 'attribute', key: 'name', op: 'LIKE', value: 'churn%', numeric: false },
      { entity: 'tag', key: 'team', op: '=', value: 'ds' },
      { entity: 'attribute', key: 'creation_time', op: '>', value: 100, numeric: true },
      { entity: 'attribute', key: 'last_update_time', op: '<=', value: 5, numeric: true },
    ]);
    assert.deepEqual(parseExperimentFilter('tag.team IS NULL'), [{ entity: 'tag', key: 'team', op: 'IS NULL' }]);
  });

  it('filters experiment ids with = != IN NOT IN (MLflow 3.17+)', () => {
    assert.deepEqual(parseExperimentFilter("experiment_id IN ('1', '2') and experiment_id != '3'"), [
      { entity: 'attribute', key: 'experiment_id', op: 'IN', values: ['1', '2'], numeric: false },
      { entity: 'attribute', key: 'experiment_id', op: '!=', value: '3', numeric: false },
    ]);
  });

  it('refuses run-only prefixes and keys', () => {
    rejects(() => parseExperimentFilter('metrics.acc > 1'), 'filter', /invalid entity type 'metrics' at position 0; expected one of attribute, tag, tags/);
    rejects(() => parseExperimentFilter("attributes.name = 'x'"), 'filter', /invalid entity type 'attributes'/);
    rejects(() => parseExperimentFilter("status = 'x'"), 'filter', /invalid attribute key 'status'.*valid keys are name, experiment_id, creation_time, last_update_time/);
    rejects(() => parseExperimentFilter("experiment_id LIKE '1%'"), 'filter', /operator 'LIKE' .* not supported for attribute 'experiment_id'; use one of =, !=, IN, NOT IN/);
    rejects(() => parseExperimentFilter("name IN ('a')"), 'filter', /operator 'IN' .* not supported for attribute 'name'/);
    rejects(() => parseExperimentFilter('name IS NULL'), 'filter', /operator 'IS NULL' .* not supported for attribute 'name'/);
  });
});

describe('order_by', () => {
  it('parses runs order_by with direction in any case, ASC by default', () => {
    assert.deepEqual(parseRunOrderBy(['metrics.acc desc', 'params.`lr x` ASC', 'tags.t', 'attributes.created DESC', 'run_name']), [
      { entity: 'metric', key: 'acc', ascending: false },
      { entity: 'param', key: 'lr x', ascending: true },
      { entity: 'tag', key: 't', ascending: true },
      { entity: 'attribute', key: 'start_time', ascending: false },
      { entity: 'attribute', key: 'run_name', ascending: true },
    ]);
    assert.deepEqual(parseRunOrderBy(undefined), []);
  });

  it('refuses bad directions, extra tokens, unknown keys and duplicates', () => {
    rejects(() => parseRunOrderBy(['metrics.acc DOWN']), 'order_by', "Invalid order_by clause 'metrics.acc DOWN': expected ASC or DESC at position 12, found 'DOWN'");
    rejects(() => parseRunOrderBy(['metrics.acc DESC x']), 'order_by', /unexpected token 'x' at position 17/);
    rejects(() => parseRunOrderBy(['colour']), 'order_by', /invalid attribute key 'colour'/);
    rejects(() => parseRunOrderBy(['']), 'order_by', /expected a key/);
    rejects(() => parseRunOrderBy(["datasets.name"]), 'order_by', /ordering by dataset fields is not supported/);
    rejects(() => parseRunOrderBy(['metrics.acc', 'metric.acc DESC']), 'order_by', /duplicate field 'metric.acc DESC'/);
  });

  it('experiments order by name, id and times only', () => {
    assert.deepEqual(parseExperimentOrderBy(['name DESC', 'experiment_id']), [
      { entity: 'attribute', key: 'name', ascending: false },
      { entity: 'attribute', key: 'experiment_id', ascending: true },
    ]);
    rejects(() => parseExperimentOrderBy(['tags.team']), 'order_by', /experiments can only be ordered by name, experiment_id, creation_time, last_update_time/);
    rejects(() => parseExperimentOrderBy(['status']), 'order_by', /invalid attribute key 'status'/);
  });
});

describe('page tokens', () => {
  it('round-trip in MLflow\'s format', () => {
    const token = encodePageToken(25);
    assert.equal(Buffer.from(token, 'base64').toString('utf8'), '{"offset": 25}');
    assert.equal(decodePageToken(token), 25);
    assert.equal(decodePageToken(undefined), 0);
    assert.equal(decodePageToken(''), 0);
    // A token MLflow itself issued.
    assert.equal(decodePageToken('eyJvZmZzZXQiOiAxMDB9'), 100);
  });

  it('refuses malformed tokens with INVALID_PARAMETER_VALUE on page_token', () => {
    rejects(() => decodePageToken('not a token!'), 'page_token', /Invalid page token 'not a token!': not base64/);
    rejects(() => decodePageToken(Buffer.from('nope').toString('base64')), 'page_token', /not an encoded JSON object/);
    rejects(() => decodePageToken(Buffer.from('{"offset": -1}').toString('base64')), 'page_token', /no valid offset/);
    rejects(() => decodePageToken(Buffer.from('{"offset": "3"}').toString('base64')), 'page_token', /no valid offset/);
    rejects(() => decodePageToken(Buffer.from('[1]').toString('base64')), 'page_token', /no valid offset/);
  });
});
