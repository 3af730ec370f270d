/**
 * Routing: unit tests of Router.match and parseTarget, then the same rules through a real server
 * (404/405 answers, decoded params, 204 and HEAD, handler headers).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { HttpError } from '../../server/src/http/errors.ts';
import { Router, parseTarget } from '../../server/src/http/router.ts';
import type { Handler, RequestContext } from '../../server/src/http/router.ts';
import { startHttpServer } from '../../server/src/http/server.ts';
import type { RunningHttpServer } from '../../server/src/http/server.ts';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function request(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers }, setHost: false, agent: false });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A handler that names itself and echoes what routing gave it. */
function tagged(name: string): Handler {
  return async (ctx: RequestContext) => ({
    status: 200,
    body: { route: name, path: ctx.path, params: ctx.params, query: Object.fromEntries(ctx.query) },
  });
}

function found(router: Router, method: string, url: string): { pattern: string; params: Record<string, string> } {
  const m = router.match(method, parseTarget(url).segments);
  assert.equal(m.kind, 'found', `${method} ${url}`);
  return m.kind === 'found' ? { pattern: m.pattern, params: m.params } : { pattern: '', params: {} };
}

describe('Router.match', () => {
  const router = new Router()
    .add('GET', '/api/v1/experiments/:id', tagged('experiment'))
    .add('DELETE', '/api/v1/experiments/:id', tagged('delete'))
    .add('GET', '/api/v1/experiments/runs', tagged('runs'))
    .add('POST', '/api/v1/experiments/:id/runs', tagged('create-run'))
    .add('GET', '/api/v1/:kind/search', tagged('kind-search'))
    .add('GET', '/api/v1/experiments/:id/:sub', tagged('any-sub'))
    .add('GET', '/', tagged('root'));

  test('a literal segment beats a parameter whatever the order of registration', () => {
    assert.deepEqual(found(router, 'GET', '/api/v1/experiments/runs'), { pattern: '/api/v1/experiments/runs', params: {} });
    assert.deepEqual(found(router, 'GET', '/api/v1/experiments/42'), { pattern: '/api/v1/experiments/:id', params: { id: '42' } });
    // The first differing segment decides: `experiments` (literal) outranks `:kind`.
    assert.deepEqual(found(router, 'GET', '/api/v1/experiments/search'), { pattern: '/api/v1/experiments/:id', params: { id: 'search' } });
    assert.deepEqual(found(router, 'GET', '/api/v1/models/search'), { pattern: '/api/v1/:kind/search', params: { kind: 'models' } });
  });

  test('a literal only wins among routes for the request method', () => {
    assert.deepEqual(found(router, 'DELETE', '/api/v1/experiments/runs'), { pattern: '/api/v1/experiments/:id', params: { id: 'runs' } });
  });

  test('a path matching routes but not the method lists the allowed methods', () => {
    assert.deepEqual(router.match('PUT', parseTarget('/api/v1/experiments/42').segments), { kind: 'method_not_allowed', allow: ['GET', 'HEAD', 'DELETE'] });
    // Allow is the union over every route the path matches, literal or not.
    assert.deepEqual(router.match('PATCH', parseTarget('/api/v1/experiments/42/runs').segments), { kind: 'method_not_allowed', allow: ['POST', 'GET', 'HEAD'] });
  });

  test('HEAD is served by the GET route', () => {
    assert.equal(found(router, 'HEAD', '/api/v1/experiments/7').pattern, '/api/v1/experiments/:id');
  });

  test('unknown paths, extra segments, trailing slashes and empty params do not match', () => {
    for (const url of ['/api/v1/nothing', '/api/v1/experiments/1/runs/2/x', '/api/v1/experiments/1/', '/api/v1/experiments/', '/api/v1//search', '/api']) {
      assert.deepEqual(router.match('GET', parseTarget(url).segments), { kind: 'not_found' }, url);
    }
    assert.equal(found(router, 'GET', '/').pattern, '/');
  });

  test('routes() lists what was added, in order', () => {
    assert.deepEqual(router.routes().slice(0, 3), [
      { method: 'GET', pattern: '/api/v1/experiments/:id' },
      { method: 'DELETE', pattern: '/api/v1/experiments/:id' },
      { method: 'GET', pattern: '/api/v1/experiments/runs' },
    ]);
    assert.equal(router.routes().length, 7);
  });

  test('add() refuses duplicates and malformed patterns', () => {
    const r = new Router().add('GET', '/a/:id', tagged('a'));
    assert.throws(() => r.add('GET', '/a/:other', tagged('b')), /Route GET \/a\/:other duplicates GET \/a\/:id/);
    assert.throws(() => r.add('GET', 'a/b', tagged('c')), /must start with '\/'/);
    assert.throws(() => r.add('GET', '/x/:a/:a', tagged('d')), /Duplicate parameter 'a'/);
    assert.throws(() => r.add('GET', '/x/:', tagged('e')), /Bad parameter name/);
    assert.doesNotThrow(() => r.add('POST', '/a/:id', tagged('f')));
  });
});

describe('parseTarget', () => {
  test('decodes each segment on its own and splits off the query', () => {
    const t = parseTarget('/api/v1/experiments/a%2Fb/caf%C3%A9%20x?name=a%20b&name=c&k');
    assert.deepEqual(t.segments, ['api', 'v1', 'experiments', 'a/b', 'café x']);
    assert.equal(t.path, '/api/v1/experiments/a/b/café x');
    assert.equal(t.rawPath, '/api/v1/experiments/a%2Fb/caf%C3%A9%20x');
    assert.deepEqual(t.query.getAll('name'), ['a b', 'c']);
    assert.equal(t.query.get('k'), '');
  });

  test('keeps + literal in the path', () => {
    assert.deepEqual(parseTarget('/a+b').segments, ['a+b']);
  });

  for (const [url, message] of [
    ['/api/%E0%A4%A', 'Path has malformed percent-encoding'],
    ['/api/%zz', 'Path has malformed percent-encoding'],
    ['/api/../etc', 'Path must not contain dot segments'],
    ['/api/%2e%2e/etc', 'Path must not contain dot segments'],
    ['/api/%2E/etc', 'Path must not contain dot segments'],
    ['/api/a%00b', 'Path must not contain NUL'],
    ['http://evil.example/api', 'Request target must be an absolute path'],
    ['*', 'Request target must be an absolute path'],
  ] as const) {
    test(`refuses ${url}`, () => {
      assert.throws(
        () => parseTarget(url),
        (err: unknown) => err instanceof HttpError && err.status === 400 && err.code === 'invalid_path' && err.message === message,
      );
    });
  }
});

describe('routing through the server', () => {
  let server: RunningHttpServer;
  let port: number;
  before(async () => {
    const router = new Router()
      .add('GET', '/api/v1/experiments/:id', tagged('experiment'))
      .add('GET', '/api/v1/experiments/runs', tagged('runs'))
      .add('POST', '/api/v1/experiments', tagged('create'))
      .add('DELETE', '/api/v1/experiments/:id', async () => ({ status: 204, body: { ignored: true } }))
      .add('GET', '/api/v1/headers', async () => ({
        status: 200,
        body: { ok: true },
        headers: { 'X-Total-Count': '3', 'Access-Control-Allow-Origin': '*', 'access-control-allow-credentials': 'true', 'Cache-Control': 'max-age=60' },
      }))
      .add('GET', '/api/v1/bytes', async () => ({ status: 200, body: new Uint8Array([104, 105]), headers: { 'Content-Type': 'text/plain; charset=utf-8' } }))
      .add('GET', '/api/v1/bigint', async () => ({ status: 200, body: { n: 1n } }));
    server = await startHttpServer({ host: '127.0.0.1', port: 0, router, security: {} });
    port = server.port;
  });
  after(() => server.close());

  test('passes decoded params, the decoded path and the query to the handler', async () => {
    const reply = await request(port, 'GET', '/api/v1/experiments/my%2Fexp%20%E2%9C%93?view=full&tag=a&tag=b');
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.text), {
      route: 'experiment',
      path: '/api/v1/experiments/my/exp ✓',
      params: { id: 'my/exp ✓' },
      query: { view: 'full', tag: 'b' },
    });
  });

  test('the literal route wins over the parameter', async () => {
    const reply = await request(port, 'GET', '/api/v1/experiments/runs');
    assert.equal(JSON.parse(reply.text).route, 'runs');
  });

  test('unknown path gives 404 not_found', async () => {
    const reply = await request(port, 'GET', '/api/v1/nope?x=1');
    assert.equal(reply.status, 404);
    assert.equal(reply.text, '{"error":{"code":"not_found","message":"No route for /api/v1/nope"}}');
  });

  test('wrong method gives 405 with Allow, OPTIONS included', async () => {
    const put = await request(port, 'PUT', '/api/v1/experiments/5', { 'content-type': 'application/json' });
    assert.equal(put.status, 405);
    assert.equal(put.headers['allow'], 'GET, HEAD, DELETE');
    assert.equal(put.text, '{"error":{"code":"method_not_allowed","message":"Method PUT is not allowed on /api/v1/experiments/5"}}');
    const options = await request(port, 'OPTIONS', '/api/v1/experiments');
    assert.equal(options.status, 405);
    assert.equal(options.headers['allow'], 'POST');
  });

  test('malformed and dot-segment paths give 400 invalid_path', async () => {
    for (const path of ['/api/v1/experiments/%E0%A4%A', '/api/v1/experiments/%2e%2e']) {
      const reply = await request(port, 'GET', path);
      assert.equal(reply.status, 400, path);
      assert.equal(JSON.parse(reply.text).error.code, 'invalid_path');
    }
  });

  test('204 sends no body and no content type', async () => {
    const reply = await request(port, 'DELETE', '/api/v1/experiments/5');
    assert.equal(reply.status, 204);
    assert.equal(reply.text, '');
    assert.equal(reply.headers['content-type'], undefined);
    assert.equal(reply.headers['x-content-type-options'], 'nosniff');
  });

  test('HEAD answers like GET without a body', async () => {
    const reply = await request(port, 'HEAD', '/api/v1/experiments/5');
    assert.equal(reply.status, 200);
    assert.equal(reply.text, '');
    assert.equal(reply.headers['content-type'], 'application/json; charset=utf-8');
  });

  test('handler headers go out, except CORS ones', async () => {
    const reply = await request(port, 'GET', '/api/v1/headers');
    assert.equal(reply.headers['x-total-count'], '3');
    assert.equal(reply.headers['cache-control'], 'max-age=60');
    assert.equal(reply.headers['access-control-allow-origin'], undefined);
    assert.equal(reply.headers['access-control-allow-credentials'], undefined);
  });

  test('a Uint8Array body is sent as bytes with the handler content type', async () => {
    const reply = await request(port, 'GET', '/api/v1/bytes');
    assert.equal(reply.text, 'hi');
    assert.equal(reply.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(reply.headers['x-content-type-options'], 'nosniff');
  });

  test('a body JSON cannot encode gives 500, not a broken response', async () => {
    const reply = await request(port, 'GET', '/api/v1/bigint');
    assert.equal(reply.status, 500);
    assert.equal(reply.text, '{"error":{"code":"internal_error","message":"Internal server error"}}');
  });
});
