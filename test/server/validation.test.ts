import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrackingError } from '../../server/src/tracking/errors.ts';
import type { Metric } from '../../server/src/tracking/types.ts';
import {
  MAX_ENTITY_KEY_LENGTH,
  posixNormpath,
  validateArtifactLocation,
  validateExperimentId,
  validateExperimentName,
  validateExperimentTag,
  validateKey,
  validateLogBatch,
  validateMaxResults,
  validateMetric,
  validateRunId,
  validateRunName,
  validateRunStatus,
  validateRunTag,
  validateParam,
} from '../../server/src/tracking/validation.ts';

/** Asserts `fn` throws INVALID_PARAMETER_VALUE for `field`, with a message matching `message`. */
function rejects(fn: () => unknown, field: string | undefined, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TrackingError, `expected a TrackingError, got ${String(err)}`);
    assert.equal(err.code, 'INVALID_PARAMETER_VALUE');
    assert.equal(err.field, field);
    assert.match(err.message, message);
    return true;
  });
}

const metric = (over: Partial<Metric> = {}): Metric => ({ key: 'loss', value: 0.5, timestamp: 1, step: 0, ...over });

describe('posixNormpath', () => {
  it('matches Python posixpath.normpath', () => {
    const cases: [string, string][] = [
      ['', '.'],
      ['a', 'a'],
      ['a/', 'a'],
      ['a//b', 'a/b'],
      ['a/./b', 'a/b'],
      ['a/../b', 'b'],
      ['../a', '../a'],
      ['/a/../..', '/'],
      ['//a', '//a'],
      ['///a', '/a'],
      ['a/b/..', 'a'],
      ['..', '..'],
    ];
    for (const [input, expected] of cases) assert.equal(posixNormpath(input), expected, input);
  });
});

describe('validateKey', () => {
  it('accepts MLflow key characters, including unicode letters and colons', () => {
    for (const key of ['loss', 'train/loss', 'a.b-c_d e:f', 'métrique', 'x'.repeat(MAX_ENTITY_KEY_LENGTH), 'a..b']) {
      assert.equal(validateKey('metric', key, 'key'), key);
    }
  });

  it('rejects characters outside the key set, naming the field', () => {
    rejects(() => validateKey('metric', 'a*b', 'metrics[3].key'), 'metrics[3].key', /metric key 'a\*b' is invalid: keys may only contain/);
    rejects(() => validateKey('param', 'a\u0000b', 'params[0].key'), 'params[0].key', /param key .* is invalid/);
    rejects(() => validateKey('tag', 'a\uD800', 'tags[0].key'), 'tags[0].key', /tag key .* is invalid/);
  });

  it('rejects keys that a path normalisation would change', () => {
    for (const key of ['.', '..', '../a', '..a', '/a', 'a/', 'a//b', 'a/./b', 'a/../b']) {
      rejects(() => validateKey('metric', key, 'key'), 'key', /must not resolve to another name/);
    }
  });

  it('rejects empty and overlong keys', () => {
    rejects(() => validateKey('metric', '', 'metrics[0].key'), 'metrics[0].key', /^metric key must not be empty$/);
    rejects(
      () => validateKey('metric', 'k'.repeat(251), 'metrics[3].key'),
      'metrics[3].key',
      /^metric key must be at most 250 characters \(got 251\)$/,
    );
  });

  it('counts characters as code points, as Python does', () => {
    const emoji = '\u{1F600}'; // two UTF-16 units, one code point; not a key character though
    assert.throws(() => validateKey('metric', emoji, 'k'));
    const cjk = '\u{20000}'.repeat(200); // letters outside the BMP: 400 units, 200 code points
    assert.equal(validateKey('metric', cjk, 'k'), cjk);
  });

  it('rejects non-string keys', () => {
    rejects(() => validateKey('metric', 5, 'metrics[0].key'), 'metrics[0].key', /metric key must be a string/);
  });
});

describe('validateMetric', () => {
  it('accepts NaN, infinities, negative and int64-safe steps', () => {
    for (const value of [Number.NaN, Infinity, -Infinity, -1e308, 0]) validateMetric(metric({ value }), 'metrics[0]');
    validateMetric(metric({ step: -5 }), 'm');
    validateMetric(metric({ step: Number.MAX_SAFE_INTEGER, timestamp: 0 }), 'm');
  });

  it('rejects a non-number value', () => {
    rejects(() => validateMetric(metric({ value: '1' as unknown as number }), 'metrics[2]'), 'metrics[2].value', /metric value must be a number/);
    rejects(() => validateMetric(metric({ value: true as unknown as number }), 'metrics[2]'), 'metrics[2].value', /must be a number, got boolean/);
  });

  it('rejects negative, fractional and unsafe timestamps', () => {
    for (const timestamp of [-1, 1.5, Number.NaN, 2 ** 53]) {
      rejects(() => validateMetric(metric({ timestamp }), 'metrics[0]'), 'metrics[0].timestamp', /metric timestamp must be a non-negative integer/);
    }
  });

  it('rejects fractional and out-of-range steps', () => {
    for (const step of [0.5, Number.MAX_SAFE_INTEGER + 1, -(2 ** 60), Infinity]) {
      rejects(() => validateMetric(metric({ step }), 'metrics[1]'), 'metrics[1].step', /metric step must be an integer/);
    }
  });
});

describe('params and tags', () => {
  it('param values up to 6000 characters are accepted, longer ones refused (no truncation)', () => {
    validateParam('p', 'v'.repeat(6000), 'params[0]');
    rejects(() => validateParam('p', 'v'.repeat(6001), 'params[4]'), 'params[4].value', /^param value must be at most 6000 characters \(got 6001\)$/);
  });

  it('run tag values up to 8000, experiment tag values up to 5000', () => {
    validateRunTag('t', 'v'.repeat(8000), 'tags[0]');
    rejects(() => validateRunTag('t', 'v'.repeat(8001), 'tags[0]'), 'tags[0].value', /at most 8000/);
    validateExperimentTag('t', 'v'.repeat(5000), 'tags[0]');
    rejects(() => validateExperimentTag('t', 'v'.repeat(5001), 'tags[1]'), 'tags[1].value', /at most 5000/);
  });

  it('rejects NUL and lone surrogates in values', () => {
    rejects(() => validateParam('p', 'a\u0000', 'params[0]'), 'params[0].value', /NUL/);
    rejects(() => validateRunTag('t', '\uDC00x', 'tags[0]'), 'tags[0].value', /surrogates/);
    validateRunTag('t', '\u{1F600} ok', 'tags[0]');
  });

  it('rejects non-string values', () => {
    rejects(() => validateParam('p', 3, 'params[0]'), 'params[0].value', /param value must be a string/);
  });
});

describe('validateLogBatch', () => {
  const many = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

  it('accepts the exact limits', () => {
    validateLogBatch({ metrics: many(1000, (i) => metric({ step: i })) });
    validateLogBatch({ params: many(100, (i) => ({ key: `p${i}`, value: 'v' })), tags: many(100, (i) => ({ key: `t${i}`, value: 'v' })) });
    validateLogBatch({});
  });

  it('refuses 1001 metrics, 101 params, 101 tags and more than 1000 entities in all', () => {
    rejects(() => validateLogBatch({ metrics: many(1001, () => metric()) }), 'metrics', /at most 1000 metrics, got 1001/);
    rejects(() => validateLogBatch({ params: many(101, (i) => ({ key: `p${i}`, value: 'v' })) }), 'params', /at most 100 params, got 101/);
    rejects(() => validateLogBatch({ tags: many(101, (i) => ({ key: `t${i}`, value: 'v' })) }), 'tags', /at most 100 tags, got 101/);
    rejects(
      () => validateLogBatch({ metrics: many(950, () => metric()), params: many(51, (i) => ({ key: `p${i}`, value: 'v' })) }),
      undefined,
      /at most 1000 metrics, params and tags, got 1001/,
    );
  });

  it('points at the bad entry by index', () => {
    const metrics = [metric(), metric(), metric(), metric({ key: 'k'.repeat(300) })];
    rejects(() => validateLogBatch({ metrics }), 'metrics[3].key', /metric key must be at most 250 characters/);
    rejects(() => validateLogBatch({ tags: [{ key: 'ok', value: 'v' }, { key: '/abs', value: 'v' }] }), 'tags[1].key', /tag key/);
  });

  it('tolerates identical duplicate params but refuses conflicting ones', () => {
    validateLogBatch({ params: [{ key: 'a', value: '1' }, { key: 'a', value: '1' }] });
    rejects(
      () => validateLogBatch({ params: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'a', value: '3' }] }),
      'params[2].key',
      /duplicate param key 'a' with different values/,
    );
  });
});

describe('names and ids', () => {
  it('experiment names: non-empty, at most 500 characters', () => {
    assert.equal(validateExperimentName('churn/xgb'), 'churn/xgb');
    validateExperimentName('n'.repeat(500));
    rejects(() => validateExperimentName(''), 'name', /must not be empty/);
    rejects(() => validateExperimentName('n'.repeat(501)), 'name', /^experiment name must be at most 500 characters \(got 501\)$/);
    rejects(() => validateExperimentName('a\u0000b', 'new_name'), 'new_name', /NUL/);
    rejects(() => validateExperimentName(42), 'name', /must be a string/);
  });

  it('run names: at most 250 characters', () => {
    validateRunName('r'.repeat(250));
    rejects(() => validateRunName('r'.repeat(251)), 'run_name', /at most 250/);
  });

  it('run ids follow MLflow\'s pattern', () => {
    validateRunId('0123456789abcdef0123456789abcdef');
    validateRunId('a-b_c');
    for (const bad of ['', '-abc', 'a/b', 'a b', 'x'.repeat(257)]) rejects(() => validateRunId(bad), 'run_id', /invalid run id/);
  });

  it('experiment ids follow MLflow\'s pattern', () => {
    validateExperimentId('0');
    validateExperimentId('123');
    for (const bad of ['', '-1', 'a/b', 'x'.repeat(65)]) rejects(() => validateExperimentId(bad), 'experiment_id', /invalid experiment id/);
  });

  it('run statuses and max_results', () => {
    assert.equal(validateRunStatus('FINISHED'), 'FINISHED');
    rejects(() => validateRunStatus('DONE'), 'status', /expected one of RUNNING, SCHEDULED, FINISHED, FAILED, KILLED/);
    assert.equal(validateMaxResults(50000), 50000);
    rejects(() => validateMaxResults(0), 'max_results', /positive integer/);
    rejects(() => validateMaxResults(50001), 'max_results', /at most 50000/);
    rejects(() => validateMaxResults(1.5), 'max_results', /positive integer/);
  });
});

describe('validateArtifactLocation', () => {
  it('accepts ordinary URIs and paths', () => {
    for (const loc of ['s3://bucket/path', 'file:///tmp/a', '/data/artifacts', 'mlflow-artifacts:/1', 'gs://b/x..y']) {
      assert.equal(validateArtifactLocation(loc), loc);
    }
  });

  it('rejects fragments, .. segments, runs: URIs and long locations', () => {
    rejects(() => validateArtifactLocation('http:///#/../../etc/'), 'artifact_location', /'#' fragment/);
    rejects(() => validateArtifactLocation('s3://b/a/../../etc'), 'artifact_location', /'\.\.' segments/);
    rejects(() => validateArtifactLocation('s3://b/a?x=..'), 'artifact_location', /'\.\.' segments/);
    rejects(() => validateArtifactLocation('s3://b/a/%2e%2e/etc'), 'artifact_location', /'\.\.' segments/);
    rejects(() => validateArtifactLocation('runs:/abc/model'), 'artifact_location', /'runs:' scheme/);
    rejects(() => validateArtifactLocation(`s3://b/${'x'.repeat(2048)}`), 'artifact_location', /at most 2048/);
  });
});
