/**
 * The security layer against a real server on an ephemeral port: Host allow-list, Origin,
 * bearer token, JSON content type, body limits and error answers, in the order they apply.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { HttpError } from '../../server/src/http/errors.ts';
import { Router } from '../../server/src/http/router.ts';
import { startHttpServer } from '../../server/src/http/server.ts';
import type { RunningHttpServer } from '../../server/src/http/server.ts';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One request on a fresh connection, with exactly the headers given (no Host unless given) plus Content-Length for a body. */
function request(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: options.method ?? 'GET',
      path: options.path ?? '/api/things',
      headers: { ...(options.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.body)) }), ...options.headers },
      setHost: false,
      agent: false,
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Raw bytes on a socket, for requests `http` will not send (no Host, duplicate headers). */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (b) => (data += b.toString('utf8')));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
    socket.write(text);
  });
}

function errorOf(reply: Reply): unknown {
  return JSON.parse(reply.text);
}

const TOKEN = 'tok_4f1c2b9e8d7a6b5c4d3e2f1a0b9c8d7e';
const LIMIT = 1024;
const ALLOWED_ORIGIN = 'vscode-webview://4a1b2c3d';
const logLines: string[] = [];
let handlerCalls = 0;
let server: RunningHttpServer;
let port: number;
let auth: Record<string, string>;

function router(): Router {
  return new Router()
    .add('GET', '/health', async () => ({ status: 200, body: { status: 'ok' } }))
    .add('GET', '/api/things', async () => ({ status: 200, body: { things: [] } }))
    .add('POST', '/api/things', async (ctx) => {
      handlerCalls++;
      const body = await ctx.json();
      return { status: 201, body: { received: body === undefined ? '<empty>' : body } };
    })
    .add('DELETE', '/api/things/:id', async (ctx) => ({ status: 200, body: { deleted: ctx.params['id'], body: (await ctx.json()) ?? null } }))
    .add('GET', '/api/boom', async () => {
      throw new Error('database password is hunter2 at /srv/secret.db');
    })
    .add('POST', '/api/invalid', async () => {
      throw new HttpError(422, 'invalid_name', 'Name must not be blank', 'name');
    });
}

before(async () => {
  server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    router: router(),
    security: { token: TOKEN, publicPaths: ['/health'], allowedOrigins: [ALLOWED_ORIGIN], extraHosts: ['matih.test'] },
    bodyLimitBytes: LIMIT,
    log: (line) => logLines.push(line),
  });
  port = server.port;
  auth = { host: `127.0.0.1:${port}`, authorization: `Bearer ${TOKEN}` };
});

after(() => server.close());

describe('Host header', () => {
  for (const name of ['127.0.0.1', 'localhost', 'LOCALHOST', 'LocalHost', '[::1]', 'matih.test', 'MATIH.test']) {
    test(`accepts ${name}:<port>`, async () => {
      const reply = await request(port, { headers: { ...auth, host: `${name}:${port}` } });
      assert.equal(reply.status, 200);
      assert.deepEqual(JSON.parse(reply.text), { things: [] });
    });
  }

  const refused = () => [
    'evil.example',
    `evil.example:${port}`,
    `localhost.evil.example:${port}`,
    `10.evil.example:${port}`,
    `127.0.0.1.evil.example:${port}`,
    `localhost6:${port}`,
    `0.0.0.0:${port}`,
    `127.0.0.2:${port}`,
    `[::ffff:127.0.0.1]:${port}`,
    `sub.localhost:${port}`,
    `localhost.:${port}`,
    `127.0.0.1:${port + 1}`,
    `localhost:${port}0`,
    `localhost:0${port}`,
    'localhost',
    '127.0.0.1',
    '[::1]',
    `localhost:${port}x`,
    `localhost:${port}:${port}`,
  ];
  test('refuses every other name or port with 403 forbidden_host', async () => {
    for (const host of refused()) {
      const reply = await request(port, { headers: { ...auth, host } });
      assert.equal(reply.status, 403, host);
      assert.deepEqual(errorOf(reply), {
        error: { code: 'forbidden_host', message: `Host header is not an allowed host; use 127.0.0.1:${port} or localhost:${port}` },
      }, host);
    }
  });

  test('refuses a missing Host (HTTP/1.1 and HTTP/1.0)', async () => {
    for (const version of ['1.1', '1.0']) {
      const text = await raw(port, `GET /api/things HTTP/${version}\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`);
      assert.match(text, /^HTTP\/1\.1 403 Forbidden\r\n/, version);
      assert.ok(text.endsWith(`{"error":{"code":"forbidden_host","message":"Host header is missing; use 127.0.0.1:${port} or localhost:${port}"}}`), text);
    }
  });

  test('refuses a Host sent twice even when the first is right', async () => {
    const text = await raw(
      port,
      `GET /api/things HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nHost: evil.example\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(text, /^HTTP\/1\.1 403 Forbidden\r\n/);
    assert.match(text, /"code":"forbidden_host"/);
  });

  test('is checked before the token and on public paths', async () => {
    const noToken = await request(port, { headers: { host: `evil.example:${port}` } });
    assert.equal(noToken.status, 403);
    const publicPath = await request(port, { path: '/health', headers: { host: `evil.example:${port}` } });
    assert.equal(publicPath.status, 403);
    assert.match(publicPath.text, /forbidden_host/);
  });
});

describe('Origin header', () => {
  const forbidden = { error: { code: 'forbidden_origin', message: 'Requests from this origin are not allowed' } };
  test('refuses foreign, null, IP-literal and other-port origins', async () => {
    for (const origin of ['https://evil.example', 'null', `http://127.0.0.1:${port + 1}`, `http://127.0.0.1:${port}`, `http://localhost:${port}`, 'http://10.0.0.5', '', `${ALLOWED_ORIGIN}.evil.example`]) {
      const reply = await request(port, { headers: { ...auth, origin } });
      assert.equal(reply.status, 403, origin);
      assert.deepEqual(errorOf(reply), forbidden, origin);
      assert.equal(reply.headers['access-control-allow-origin'], undefined);
    }
  });

  test('refuses a cross-origin write before looking at the body', async () => {
    const before = handlerCalls;
    const reply = await request(port, {
      method: 'POST',
      headers: { ...auth, origin: 'https://evil.example', 'content-type': 'text/plain' },
      body: '{"name":"x"}',
    });
    assert.equal(reply.status, 403);
    assert.deepEqual(errorOf(reply), forbidden);
    assert.equal(handlerCalls, before);
  });

  test('answers a foreign preflight with 403 and no CORS headers', async () => {
    const reply = await request(port, {
      method: 'OPTIONS',
      headers: { host: `127.0.0.1:${port}`, origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(reply.status, 403);
    assert.deepEqual(errorOf(reply), forbidden);
    for (const name of Object.keys(reply.headers)) assert.ok(!name.startsWith('access-control-'), name);
  });

  test('lets an allowed origin and a request with no Origin through, without CORS headers', async () => {
    for (const headers of [{ ...auth, origin: ALLOWED_ORIGIN }, auth]) {
      const reply = await request(port, { headers });
      assert.equal(reply.status, 200);
      assert.equal(reply.headers['access-control-allow-origin'], undefined);
    }
  });

  test('applies to public paths too', async () => {
    const reply = await request(port, { path: '/health', headers: { host: `localhost:${port}`, origin: 'null' } });
    assert.equal(reply.status, 403);
    assert.deepEqual(errorOf(reply), forbidden);
  });
});

describe('bearer token', () => {
  const cases: [string, string | undefined, string][] = [
    ['missing', undefined, 'Missing bearer token'],
    ['empty header', '', 'Expected an Authorization header of the form "Bearer <token>"'],
    ['empty bearer', 'Bearer ', 'Expected an Authorization header of the form "Bearer <token>"'],
    ['wrong', 'Bearer wrong', 'Invalid bearer token'],
    ['truncated', `Bearer ${TOKEN.slice(0, -1)}`, 'Invalid bearer token'],
    ['longer', `Bearer ${TOKEN}x`, 'Invalid bearer token'],
    ['same length, last char wrong', `Bearer ${TOKEN.slice(0, -1)}${TOKEN.endsWith('e') ? 'f' : 'e'}`, 'Invalid bearer token'],
    ['other case', `Bearer ${TOKEN.toUpperCase()}`, 'Invalid bearer token'],
    ['token without scheme', TOKEN, 'Expected an Authorization header of the form "Bearer <token>"'],
    ['Basic scheme', `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`, 'Expected an Authorization header of the form "Bearer <token>"'],
    ['two tokens', `Bearer ${TOKEN} ${TOKEN}`, 'Expected an Authorization header of the form "Bearer <token>"'],
  ];
  for (const [name, header, message] of cases) {
    test(`refuses ${name} with 401 and WWW-Authenticate`, async () => {
      const headers: Record<string, string> = { host: `127.0.0.1:${port}` };
      if (header !== undefined) headers['authorization'] = header;
      const reply = await request(port, { headers });
      assert.equal(reply.status, 401);
      assert.equal(reply.headers['www-authenticate'], 'Bearer');
      assert.deepEqual(errorOf(reply), { error: { code: 'unauthorized', message } });
    });
  }

  test('accepts the right token, with the scheme in any case', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const reply = await request(port, { headers: { host: `127.0.0.1:${port}`, authorization: `${scheme} ${TOKEN}` } });
      assert.equal(reply.status, 200, scheme);
    }
  });

  test('is required on unknown paths too (no route discovery without it)', async () => {
    const reply = await request(port, { path: '/api/nope', headers: { host: `127.0.0.1:${port}` } });
    assert.equal(reply.status, 401);
  });

  test('is refused when the header is sent twice', async () => {
    const text = await raw(
      port,
      `GET /api/things HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(text, /^HTTP\/1\.1 401 Unauthorized\r\n/);
  });

  test('is not needed on a public path, whose exact spelling counts', async () => {
    const open = await request(port, { path: '/health', headers: { host: `127.0.0.1:${port}` } });
    assert.equal(open.status, 200);
    assert.deepEqual(JSON.parse(open.text), { status: 'ok' });
    const query = await request(port, { path: '/health?x=1', headers: { host: `127.0.0.1:${port}` } });
    assert.equal(query.status, 200);
    const other = await request(port, { path: '/health/', headers: { host: `127.0.0.1:${port}` } });
    assert.equal(other.status, 401);
  });
});

describe('content type on writes', () => {
  const post = (contentType: string | undefined, body = '{"name":"a"}') => {
    const headers = { ...auth };
    if (contentType !== undefined) headers['content-type'] = contentType;
    return request(port, { method: 'POST', headers, body });
  };

  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'text/json', 'application/json; charset=latin1']) {
    test(`refuses ${type} with 415 naming it`, async () => {
      const before = handlerCalls;
      const reply = await post(type);
      assert.equal(reply.status, 415);
      assert.deepEqual(errorOf(reply), {
        error: { code: 'unsupported_media_type', message: `Content-Type must be application/json, not ${JSON.stringify(type)}` },
      });
      assert.equal(handlerCalls, before);
    });
  }

  test('refuses a write with a body and no Content-Type', async () => {
    const reply = await post(undefined);
    assert.equal(reply.status, 415);
    assert.deepEqual(errorOf(reply), {
      error: { code: 'unsupported_media_type', message: 'Content-Type must be application/json, but none was sent' },
    });
  });

  test('a bodiless POST needs no Content-Type', async () => {
    const before = handlerCalls;
    const reply = await post(undefined, '');
    assert.equal(reply.status, 201);
    assert.deepEqual(JSON.parse(reply.text), { received: '<empty>' });
    assert.equal(handlerCalls, before + 1);
  });

  for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"']) {
    test(`accepts ${type}`, async () => {
      const reply = await post(type);
      assert.equal(reply.status, 201);
      assert.deepEqual(JSON.parse(reply.text), { received: { name: 'a' } });
    });
  }

  test('a DELETE needs it only when it has a body', async () => {
    const bare = await request(port, { method: 'DELETE', path: '/api/things/7', headers: auth });
    assert.equal(bare.status, 200);
    assert.deepEqual(JSON.parse(bare.text), { deleted: '7', body: null });
    const plain = await request(port, { method: 'DELETE', path: '/api/things/7', headers: { ...auth, 'content-type': 'text/plain' }, body: '{"a":1}' });
    assert.equal(plain.status, 415);
    const json = await request(port, { method: 'DELETE', path: '/api/things/7', headers: { ...auth, 'content-type': 'application/json' }, body: '{"a":1}' });
    assert.equal(json.status, 200);
    assert.deepEqual(JSON.parse(json.text), { deleted: '7', body: { a: 1 } });
  });
});

describe('request body', () => {
  const json = { 'content-type': 'application/json' };
  const tooLarge = { error: { code: 'payload_too_large', message: `Request body exceeds the limit of ${LIMIT} bytes` } };

  test('an empty body reads as undefined', async () => {
    const reply = await request(port, { method: 'POST', headers: { ...auth, ...json } });
    assert.equal(reply.status, 201);
    assert.deepEqual(JSON.parse(reply.text), { received: '<empty>' });
  });

  test('a body of exactly the limit is accepted', async () => {
    const body = JSON.stringify({ pad: 'x'.repeat(LIMIT - 10) });
    assert.equal(Buffer.byteLength(body), LIMIT);
    const reply = await request(port, { method: 'POST', headers: { ...auth, ...json }, body });
    assert.equal(reply.status, 201);
  });

  test('a declared Content-Length over the limit gets 413 before any byte is sent', async () => {
    const before = handlerCalls;
    // Headers only: if the server waited for the body, this would hang.
    const text = await raw(
      port,
      `POST /api/things HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${LIMIT + 1}\r\n\r\n`,
    );
    assert.match(text, /^HTTP\/1\.1 413 Payload Too Large\r\n/);
    assert.match(text, /\r\nConnection: close\r\n/i);
    assert.ok(text.endsWith(JSON.stringify(tooLarge)), text);
    assert.equal(handlerCalls, before);
  });

  test('a chunked body passing the limit gets 413 without waiting for its end', async () => {
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/things', headers: { ...auth, ...json }, agent: false });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      });
      req.on('error', reject);
      // Never ended: the server must answer on its own once it has seen more than the limit.
      req.write('[' + '1,'.repeat(300));
      req.write('1,'.repeat(300));
    });
    assert.equal(reply.status, 413);
    assert.equal(reply.headers['connection'], 'close');
    assert.deepEqual(JSON.parse(reply.text), tooLarge);
  });

  test('bad JSON gets 400 invalid_json with the parser position', async () => {
    const reply = await request(port, { method: 'POST', headers: { ...auth, ...json }, body: '{"a" 1}' });
    assert.equal(reply.status, 400);
    assert.deepEqual(errorOf(reply), {
      error: { code: 'invalid_json', message: "Request body is not valid JSON: Expected ':' after property name in JSON at position 5 (line 1 column 6)" },
    });
  });

  test('a body that is not UTF-8 gets 400 invalid_json', async () => {
    const reply = await request(port, { method: 'POST', headers: { ...auth, ...json }, body: Buffer.from([0x22, 0xff, 0xfe, 0x22]) });
    assert.equal(reply.status, 400);
    assert.deepEqual(errorOf(reply), { error: { code: 'invalid_json', message: 'Request body is not valid UTF-8' } });
  });
});

describe('answers', () => {
  test('a plain Error becomes a generic 500 and its detail goes only to the log', async () => {
    const reply = await request(port, { path: '/api/boom', headers: auth });
    assert.equal(reply.status, 500);
    assert.equal(reply.text, '{"error":{"code":"internal_error","message":"Internal server error"}}');
    assert.ok(!reply.text.includes('hunter2'));
    assert.ok(logLines.some((l) => l.startsWith('GET /api/boom failed: Error: database password is hunter2')), logLines.join('\n'));
  });

  test('an HttpError keeps its status, code and field', async () => {
    const reply = await request(port, { method: 'POST', path: '/api/invalid', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(reply.status, 422);
    assert.equal(reply.text, '{"error":{"code":"invalid_name","message":"Name must not be blank","field":"name"}}');
  });

  test('every answer, refusals included, carries the JSON and no-sniff headers', async () => {
    const replies = [
      await request(port, { headers: auth }),
      await request(port, { headers: { host: 'evil.example' } }),
      await request(port, { headers: { host: `127.0.0.1:${port}` } }),
      await request(port, { path: '/nope', headers: auth }),
    ];
    for (const reply of replies) {
      assert.equal(reply.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(reply.headers['cache-control'], 'no-store');
      assert.equal(reply.headers['x-content-type-options'], 'nosniff');
      assert.equal(reply.headers['access-control-allow-origin'], undefined);
    }
  });

  test('logs method, path, status and duration, never the token, query or body', async () => {
    logLines.length = 0;
    await request(port, { method: 'POST', path: '/api/things?secret=q1', headers: { ...auth, 'content-type': 'application/json' }, body: '{"secret":"b1"}' });
    await request(port, { headers: { host: `127.0.0.1:${port}`, authorization: 'Bearer wrong-token-value' } });
    assert.equal(logLines.length, 2);
    assert.match(logLines[0] ?? '', /^POST \/api\/things 201 \d+ms$/);
    assert.match(logLines[1] ?? '', /^GET \/api\/things 401 \d+ms$/);
    for (const line of logLines) {
      for (const secret of [TOKEN, 'wrong-token-value', 'q1', 'b1']) assert.ok(!line.includes(secret), line);
    }
  });
});
