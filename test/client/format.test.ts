import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ExperimentView, RunView } from '../../protocol/src/index.ts';
import {
  escapeMarkdown,
  experimentDescription,
  formatDateTime,
  formatDuration,
  formatMetricValue,
  formatStartTime,
  runDescription,
  runDuration,
  runLabel,
  shorten,
} from '../../client/src/util/format.ts';

// Local-time formatting is pinned to UTC so the expectations hold on any machine.
before(() => {
  process.env['TZ'] = 'UTC';
});

function run(overrides: Partial<RunView> = {}): RunView {
  return {
    id: '0123456789abcdef0123456789abcdef',
    experimentId: '1',
    name: 'bright-owl-417',
    status: 'finished',
    lifecycleStage: 'active',
    startTime: '2025-11-27T14:05:00.000Z',
    endTime: '2025-11-27T14:08:12.000Z',
    durationSeconds: 192,
    tags: {},
    params: {},
    metrics: {},
    artifacts: [],
    ...overrides,
  };
}

function experiment(overrides: Partial<ExperimentView> = {}): ExperimentView {
  return {
    id: '1',
    name: 'churn',
    description: '',
    artifactLocation: '',
    lifecycleStage: 'active',
    createdAt: '2025-11-27T10:00:00.000Z',
    lastUpdated: '2025-11-27T10:00:00.000Z',
    tags: {},
    ...overrides,
  };
}

describe('formatDuration', () => {
  it('uses at most two units', () => {
    assert.equal(formatDuration(0.4), '<1s');
    assert.equal(formatDuration(45.9), '45s');
    assert.equal(formatDuration(192), '3m 12s');
    assert.equal(formatDuration(60), '1m 00s');
    assert.equal(formatDuration(2 * 3600 + 5 * 60 + 59), '2h 05m');
    assert.equal(formatDuration(3 * 86400 + 4 * 3600 + 100), '3d 4h');
  });
  it('shows nothing for impossible values', () => {
    assert.equal(formatDuration(-1), '');
    assert.equal(formatDuration(Number.NaN), '');
  });
});

describe('formatStartTime', () => {
  const now = new Date('2025-11-27T18:00:00Z');
  it('is the time today, month and day this year, the date before', () => {
    assert.equal(formatStartTime('2025-11-27T14:05:00Z', now), '14:05');
    assert.equal(formatStartTime('2025-03-02T09:07:00Z', now), 'Mar 2 09:07');
    assert.equal(formatStartTime('2024-11-27T14:05:00Z', now), '2024-11-27');
    assert.equal(formatStartTime('not a date', now), '');
  });
  it('gives tooltips the full date-time', () => {
    assert.equal(formatDateTime('2025-11-27T14:05:09Z'), '2025-11-27 14:05:09');
  });
});

describe('formatMetricValue', () => {
  it('shows integers as they are and other numbers to 6 significant digits', () => {
    assert.equal(formatMetricValue(42), '42');
    assert.equal(formatMetricValue(0.912345678), '0.912346');
    assert.equal(formatMetricValue(0.5), '0.5');
    assert.equal(formatMetricValue(1234.56789), '1234.57');
    assert.equal(formatMetricValue(-0.25), '-0.25');
  });
  it('uses exponents for tiny and huge values', () => {
    assert.equal(formatMetricValue(0.00000015), '1.5e-7');
    assert.equal(formatMetricValue(1.23456789e20), '1.23457e+20');
  });
  it('spells out NaN (null on the wire) and infinities', () => {
    assert.equal(formatMetricValue(null), 'NaN');
    assert.equal(formatMetricValue(Number.NaN), 'NaN');
    assert.equal(formatMetricValue(Infinity), 'Infinity');
    assert.equal(formatMetricValue(-Infinity), '-Infinity');
  });
});

describe('runs in the tree', () => {
  const now = new Date('2025-11-27T14:10:00Z');
  it('labels a run by name, else by the start of its id', () => {
    assert.equal(runLabel(run()), 'bright-owl-417');
    assert.equal(runLabel(run({ name: null })), 'Run 01234567');
    assert.equal(runLabel(run({ name: '' })), 'Run 01234567');
  });
  it('describes start time and duration', () => {
    assert.equal(runDescription(run(), now), '14:05 · 3m 12s');
  });
  it('counts a running run up to now', () => {
    const running = run({ status: 'running', endTime: null, durationSeconds: null });
    assert.equal(runDuration(running, now), 300);
    assert.equal(runDescription(running, now), '14:05 · 5m 00s');
  });
  it('says when a run is archived', () => {
    assert.equal(runDescription(run({ lifecycleStage: 'deleted' }), now), 'archived · 14:05 · 3m 12s');
  });
});

describe('experiments in the tree', () => {
  it('shows the run query before the description', () => {
    assert.equal(experimentDescription(experiment({ description: 'churn model' }), 'filter: x'), 'filter: x');
    assert.equal(experimentDescription(experiment({ description: 'churn\nmodel' }), undefined), 'churn model');
    assert.equal(experimentDescription(experiment({ lifecycleStage: 'deleted' }), undefined), 'archived');
  });
  it('shortens long text with an ellipsis', () => {
    assert.equal(shorten('abcdef', 4), 'abc…');
    assert.equal(shorten('abc', 4), 'abc');
  });
  it('escapes Markdown in tooltips', () => {
    assert.equal(escapeMarkdown('a*b_[c]'), 'a\\*b\\_\\[c\\]');
  });
});
