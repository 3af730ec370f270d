/**
 * MlflowBackend against a scripted node:http server: the headers it sends (auth, workspace),
 * the JSON it sends and accepts, and how each kind of failure maps to a TrackingError.
 */

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { inspect } from 'node:util';
import type { TrackingErrorCode } from '../../server/src/tracking/errors.ts';
import { MlflowBackend } from '../../server/src/tracking/mlflow/index.ts';
import type { MlflowBackendOptions } from '../../server/src/tracking/mlflow/index.ts';
import { expectCode } from '../support/tracking-errors.ts';

interface Captured {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Reply = { status?: number; body: string; contentType?: string };

const RUN_ID = '0123456789abcdef0123456789abcdef';
const runJson = {
  info: { run_id: RUN_ID, experiment_id: '3', run_name: 'r', status: 'RUNNING', start_time: 5, lifecycle_stage: 'active' },
  data: {},
};

let server: Server;
let base: string;
let requests: Captured[] = [];
let reply: (req: Captured) => Reply = () => ({ body: '{}' });

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const captured = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(captured);
      const r = reply(captured);
      res.writeHead(r.status ?? 200, { 'content-type': r.contentType ?? 'application/json' });
      res.end(r.body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((done) => server.close(() => done()));
});

beforeEach(() => {
  requests = [];
  reply = () => ({ body: '{}' });
});

async function withBackend<T>(options: Partial<MlflowBackendOptions>, fn: (b: MlflowBackend) => Promise<T>): Promise<T> {
  const backend = new MlflowBackend({ uri: base, ...options });
  try {
    return await fn(backend);
  } finally {
    await backend.close();
  }
}


describe('request headers', () => {
  it('sends basic auth, and no workspace header unless asked', async () => {
    await withBackend({ auth: { username: 'alice', password: 's3cr:et' } }, (b) => b.deleteRun(RUN_ID));
    const [req] = requests;
    assert.equal(req?.headers.authorization, `Basic ${Buffer.from('alice:s3cr:et').toString('base64')}`);
    assert.equal(req?.headers['x-mlflow-workspace'], undefined);
    assert.equal(req?.headers['content-type'], 'application/json');
  });

  it('sends a bearer token and the workspace on every request', async () => {
    reply = (r) => ({ body: r.url.includes('runs/get') ? JSON.stringify({ run: runJson }) : '{}' });
    await withBackend({ auth: { token: 'tok-123' }, workspace: 'team-a' }, async (b) => {
      await b.getRun(RUN_ID);
      await b.deleteRun(RUN_ID);
    });
    assert.equal(requests.length, 2);
    for (const req of requests) {
      assert.equal(req.headers.authorization, 'Bearer tok-123');
      assert.equal(req.headers['x-mlflow-workspace'], 'team-a');
    }
  });

  it('sends no Authorization header without credentials', async () => {
    await withBackend({}, (b) => b.deleteRun(RUN_ID));
    assert.equal(requests[0]?.headers.authorization, undefined);
  });

  it('takes credentials from the URI, keeps a path prefix, and never shows credentials', async () => {
    const uri = `${base.replace('http://', 'http://bob:hunter2@')}/mlflow/`;
    const backend = new MlflowBackend({ uri });
    try {
      await backend.deleteRun(RUN_ID);
      assert.equal(requests[0]?.url, '/mlflow/api/2.0/mlflow/runs/delete');
      assert.equal(requests[0]?.headers.authorization, `Basic ${Buffer.from('bob:hunter2').toString('base64')}`);
      assert.equal(backend.origin, base);
      assert.doesNotMatch(inspect(backend, { depth: 5, showHidden: true }), /hunter2|Basic /);
      reply = () => ({ status: 500, body: 'boom', contentType: 'text/plain' });
      const err = await expectCode(backend.deleteRun(RUN_ID), 'INTERNAL_ERROR');
      assert.doesNotMatch(`${err.message} ${err.stack ?? ''}`, /hunter2/);
    } finally {
      await backend.close();
    }
  });

  it('sends the PATCH and DELETE of logged models with the same prefix, credentials and workspace, a body only when there is one', async () => {
    const modelJson = {
      model_id: 'm-1', experiment_id: '3', name: 'model', artifact_uri: 'mlflow-artifacts:/3/models/m-1/artifacts',
      creation_timestamp_ms: 5, last_updated_timestamp_ms: 6, status: 'LOGGED_MODEL_READY',
    };
    reply = (r) => ({ body: r.method === 'PATCH' && !r.url.endsWith('/tags') ? JSON.stringify({ model: { info: modelJson } }) : '{}' });
    const uri = `${base.replace('http://', 'http://bob:hunter2@')}/mlflow`;
    await withBackend({ uri, workspace: 'team-a' }, async (b) => {
      assert.equal((await b.finalizeLoggedModel('m-1', 'LOGGED_MODEL_READY')).status, 'LOGGED_MODEL_READY');
      await b.setLoggedModelTags('m-1', [{ key: 'k', value: 'v' }]);
      await b.deleteLoggedModelTag('m-1', 'a key');
      await b.deleteLoggedModel('m-1');
    });
    assert.deepEqual(
      requests.map((r) => [r.method, r.url, r.body === '' ? undefined : JSON.parse(r.body), r.headers['content-type']]),
      [
        ['PATCH', '/mlflow/api/2.0/mlflow/logged-models/m-1', { model_id: 'm-1', status: 'LOGGED_MODEL_READY' }, 'application/json'],
        ['PATCH', '/mlflow/api/2.0/mlflow/logged-models/m-1/tags', { model_id: 'm-1', tags: [{ key: 'k', value: 'v' }] }, 'application/json'],
        ['DELETE', '/mlflow/api/2.0/mlflow/logged-models/m-1/tags/a%20key', undefined, undefined],
        ['DELETE', '/mlflow/api/2.0/mlflow/logged-models/m-1', { model_id: 'm-1' }, 'application/json'],
      ],
    );
    for (const req of requests) {
      assert.equal(req.headers.authorization, `Basic ${Buffer.from('bob:hunter2').toString('base64')}`);
      assert.equal(req.headers['x-mlflow-workspace'], 'team-a');
    }
    // One pool: after close, PATCH and DELETE fail like every other call.
    const closed = new MlflowBackend({ uri: base });
    await closed.close();
    await expectCode(closed.finalizeLoggedModel('m-1', 'LOGGED_MODEL_READY'), 'INTERNAL_ERROR');
    await expectCode(closed.deleteLoggedModel('m-1'), 'INTERNAL_ERROR');
  });

  it('refuses a URI that is not http(s)', () => {
    assert.throws(() => new MlflowBackend({ uri: 'file:///tmp/mlruns' }), TypeError);
    assert.throws(() => new MlflowBackend({ uri: 'not a url' }), TypeError);
  });
});

describe('request encoding', () => {
  it('always sends max_results and passes paging through', async () => {
    reply = (r) => ({
      body: r.url.includes('get-history')
        ? JSON.stringify({ metrics: [{ key: 'k', value: 1, timestamp: 2, step: 3 }], next_page_token: 'tok2' })
        : JSON.stringify({ next_page_token: '' }),
    });
    await withBackend({}, async (b) => {
      assert.deepEqual(await b.searchExperiments({ maxResults: 7 }), { items: [] });
      assert.deepEqual(await b.searchRuns({ experimentIds: ['1', '2'], maxResults: 9, pageToken: 'tok1', viewType: 'ALL' }), { items: [] });
      const page = await b.getMetricHistory(RUN_ID, 'k', { maxResults: 25000, pageToken: 'tok1' });
      assert.deepEqual(page, { items: [{ key: 'k', value: 1, timestamp: 2, step: 3 }], nextPageToken: 'tok2' });
    });
    assert.deepEqual(JSON.parse(requests[0]?.body ?? ''), { max_results: 7 });
    assert.deepEqual(JSON.parse(requests[1]?.body ?? ''), {
      experiment_ids: ['1', '2'],
      max_results: 9,
      page_token: 'tok1',
      run_view_type: 'ALL',
    });
    const url = new URL(requests[2]?.url ?? '', base);
    assert.equal(url.pathname, '/api/2.0/mlflow/metrics/get-history');
    assert.deepEqual(Object.fromEntries(url.searchParams), { run_id: RUN_ID, metric_key: 'k', max_results: '25000', page_token: 'tok1' });
  });

  it('sends NaN and infinities as protobuf JSON strings', async () => {
    await withBackend({}, (b) =>
      b.logBatch(RUN_ID, {
        metrics: [
          { key: 'a', value: Number.NaN, timestamp: 1, step: 0 },
          { key: 'a', value: Infinity, timestamp: 2, step: 1 },
          { key: 'a', value: -Infinity, timestamp: 3, step: 2 },
          { key: 'a', value: -0.5, timestamp: 4, step: -3 },
        ],
      }),
    );
    const sent = JSON.parse(requests[0]?.body ?? '') as { metrics: { value: unknown }[] };
    assert.deepEqual(sent.metrics.map((m) => m.value), ['NaN', 'Infinity', '-Infinity', -0.5]);
  });

  it('validates before sending anything', async () => {
    await withBackend({}, async (b) => {
      await expectCode(b.getRun('../etc'), 'INVALID_PARAMETER_VALUE');
      await expectCode(b.createExperiment({ name: '' }), 'INVALID_PARAMETER_VALUE');
      await expectCode(b.searchRuns({ experimentIds: ['1'], maxResults: 0 }), 'INVALID_PARAMETER_VALUE');
      await expectCode(b.updateRun(RUN_ID, { status: 'DONE' as never }), 'INVALID_PARAMETER_VALUE');
      const bad = Array.from({ length: 1500 }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i }));
      bad[1400] = { key: 'm', value: 1, timestamp: -1, step: 0 };
      const err = await expectCode(b.logBatch(RUN_ID, { metrics: bad }), 'INVALID_PARAMETER_VALUE');
      assert.equal(err.field, 'metrics[1400].timestamp');
    });
    assert.equal(requests.length, 0);
  });

  it('refuses an oversized batch without sending when splitting is off', async () => {
    const metrics = Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i }));
    await withBackend({ splitLargeBatches: false }, (b) => expectCode(b.logBatch(RUN_ID, { metrics }), 'INVALID_PARAMETER_VALUE'));
    assert.equal(requests.length, 0);
  });
});

describe('response parsing', () => {
  it('accepts int64 as strings, non-finite doubles as strings, and left-out defaults', async () => {
    reply = () => ({
      body: JSON.stringify({
        run: {
          info: { run_uuid: RUN_ID, experiment_id: '3', status: 'FINISHED', start_time: '17', end_time: '19', lifecycle_stage: 'deleted' },
          data: {
            metrics: [
              { key: 'n', value: 'NaN', timestamp: '5', step: '2' },
              { key: 'i', value: '-Infinity', timestamp: 6 },
              { key: 'z', timestamp: 7, step: 1 },
            ],
            params: [{ key: 'p', value: 'v' }],
            tags: [{ key: 'empty' }, { key: '__proto__', value: 'x' }],
          },
          inputs: {},
          outputs: {},
          something_new: true,
        },
      }),
    });
    const run = await withBackend({}, (b) => b.getRun(RUN_ID));
    assert.deepEqual(run.info, {
      runId: RUN_ID,
      experimentId: '3',
      runName: '',
      userId: '',
      status: 'FINISHED',
      startTime: 17,
      endTime: 19,
      artifactUri: '',
      lifecycleStage: 'deleted',
    });
    assert.deepEqual(run.data.metrics, [
      { key: 'i', value: -Infinity, timestamp: 6, step: 0 },
      { key: 'n', value: Number.NaN, timestamp: 5, step: 2 },
      { key: 'z', value: 0, timestamp: 7, step: 1 },
    ]);
    assert.deepEqual(run.data.params, { p: 'v' });
    assert.equal(Object.getPrototypeOf(run.data.tags), Object.prototype);
    assert.deepEqual(Object.entries(run.data.tags), [['empty', ''], ['__proto__', 'x']]);
  });

  it('drops an empty next_page_token', async () => {
    reply = () => ({ body: JSON.stringify({ runs: [runJson], next_page_token: '' }) });
    const page = await withBackend({}, (b) => b.searchRuns({ experimentIds: ['3'], maxResults: 1 }));
    assert.equal(page.items.length, 1);
    assert.equal('nextPageToken' in page, false);
  });

  it('reports a response of the wrong shape or not JSON as INTERNAL_ERROR', async () => {
    await withBackend({}, async (b) => {
      reply = () => ({ body: JSON.stringify({ run: { info: { run_id: RUN_ID } } }) });
      await expectCode(b.getRun(RUN_ID), 'INTERNAL_ERROR');
      reply = () => ({ body: '<html>proxy login</html>', contentType: 'text/html' });
      await expectCode(b.getRun(RUN_ID), 'INTERNAL_ERROR');
      reply = () => ({ body: JSON.stringify({ run: { ...runJson, info: { ...runJson.info, start_time: 1.5 } } }) });
      await expectCode(b.getRun(RUN_ID), 'INTERNAL_ERROR');
    });
  });
});

describe('error mapping', () => {
  const cases: [string, Reply, TrackingErrorCode][] = [
    ['MLflow code', { status: 404, body: '{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Run with id=x not found"}' }, 'RESOURCE_DOES_NOT_EXIST'],
    ['already exists (400)', { status: 400, body: '{"error_code":"RESOURCE_ALREADY_EXISTS","message":"exists"}' }, 'RESOURCE_ALREADY_EXISTS'],
    ['INVALID_STATE', { status: 500, body: '{"error_code":"INVALID_STATE","message":"deleted"}' }, 'INVALID_STATE'],
    ['synonym NOT_FOUND', { status: 404, body: '{"error_code":"NOT_FOUND","message":"gone"}' }, 'RESOURCE_DOES_NOT_EXIST'],
    ['synonym BAD_REQUEST', { status: 400, body: '{"error_code":"BAD_REQUEST","message":"bad"}' }, 'INVALID_PARAMETER_VALUE'],
    ['unknown code', { status: 500, body: '{"error_code":"FEATURE_DISABLED","message":"off"}' }, 'INTERNAL_ERROR'],
    ['503 with a code', { status: 503, body: '{"error_code":"INTERNAL_ERROR","message":"busy"}' }, 'TEMPORARILY_UNAVAILABLE'],
    ['503 plain text', { status: 503, body: 'Service Unavailable', contentType: 'text/plain' }, 'TEMPORARILY_UNAVAILABLE'],
    ['502 from a proxy', { status: 502, body: 'Bad Gateway', contentType: 'text/plain' }, 'TEMPORARILY_UNAVAILABLE'],
    ['401 plain text', { status: 401, body: 'You are not authenticated', contentType: 'text/plain' }, 'UNAUTHENTICATED'],
    ['403 plain text', { status: 403, body: 'Invalid Host header', contentType: 'text/plain' }, 'PERMISSION_DENIED'],
    ['429 plain text', { status: 429, body: 'slow down', contentType: 'text/plain' }, 'REQUEST_LIMIT_EXCEEDED'],
    ['bare 404 (no such endpoint)', { status: 404, body: '' }, 'INTERNAL_ERROR'],
  ];
  for (const [label, r, code] of cases) {
    it(`maps ${label} to ${code}`, async () => {
      reply = () => r;
      const err = await withBackend({}, (b) => expectCode(b.deleteRun(RUN_ID), code));
      if (r.body.startsWith('{')) assert.equal(err.message, (JSON.parse(r.body) as { message: string }).message);
    });
  }

  it('maps an unreachable server to TEMPORARILY_UNAVAILABLE', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));
    const backend = new MlflowBackend({ uri: `http://127.0.0.1:${port}` });
    try {
      await expectCode(backend.getRun(RUN_ID), 'TEMPORARILY_UNAVAILABLE');
      await expectCode(backend.deleteRun(RUN_ID), 'TEMPORARILY_UNAVAILABLE');
    } finally {
      await backend.close();
    }
  });

  it('treats getExperimentByName 404 as absent, other errors as errors', async () => {
    await withBackend({}, async (b) => {
      reply = () => ({ status: 404, body: '{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"no"}' });
      assert.equal(await b.getExperimentByName('x'), undefined);
      reply = () => ({ status: 403, body: '{"error_code":"PERMISSION_DENIED","message":"no"}' });
      await expectCode(b.getExperimentByName('x'), 'PERMISSION_DENIED');
    });
  });

  it('fails calls after close', async () => {
    const backend = new MlflowBackend({ uri: base });
    await backend.close();
    await backend.close();
    await expectCode(backend.deleteRun(RUN_ID), 'INTERNAL_ERROR');
  });
});
