import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ListOptions, experimentSearch, runFilter, runSearch, splitOrderBy } from '../../server/src/services/search-input.ts';
import { TrackingError } from '../../server/src/tracking/errors.ts';

describe('search input', () => {
  test('order_by splits on commas outside quotes', () => {
    assert.deepEqual(splitOrderBy('metrics.accuracy DESC, start_time'), ['metrics.accuracy DESC', 'start_time']);
    assert.deepEqual(splitOrderBy('metrics.`a,b` DESC,,"x,y"'), ['metrics.`a,b` DESC', '"x,y"']);
    assert.deepEqual(splitOrderBy('  '), []);
  });

  test('lowercase statuses read as MLflow names; nothing else changes', () => {
    assert.equal(runFilter("status = 'finished'"), "status = 'FINISHED'");
    assert.equal(runFilter("attributes.status LIKE 'fin%'"), "attributes.status LIKE 'FIN%'");
    assert.equal(runFilter("params.status = 'finished'"), "params.status = 'finished'");
    assert.throws(() => runFilter('status =='), TrackingError);
  });

  test('blank parameters are left out; the view picks the stages', () => {
    const blank: ListOptions = { maxResults: 10, view: 'active', filter: '  ', orderBy: [], pageToken: '' };
    assert.deepEqual(experimentSearch(blank), { maxResults: 10, viewType: 'ACTIVE_ONLY' });
    assert.deepEqual(runSearch(['1'], { ...blank, view: 'deleted' }), { experimentIds: ['1'], maxResults: 10, viewType: 'DELETED_ONLY' });
    assert.deepEqual(runSearch(['1'], { maxResults: 5, view: 'all', filter: "status = 'killed'", orderBy: ['start_time'], pageToken: 't' }), {
      experimentIds: ['1'],
      maxResults: 5,
      viewType: 'ALL',
      filter: "status = 'KILLED'",
      orderBy: ['start_time'],
      pageToken: 't',
    });
  });
});
