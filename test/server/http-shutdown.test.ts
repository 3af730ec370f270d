/**
 * Graceful close: in-flight requests (even one whose body is still arriving) finish and get
 * their answer, new connections are refused, idle keep-alive sockets do not hold shutdown up,
 * and the timeout cuts off what is left.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { describe, test } from 'node:test';
import { Router } from '../../server/src/http/router.ts';
import { startHttpServer } from '../../server/src/http/server.ts';
import type { RunningHttpServer } from '../../server/src/http/server.ts';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function collect(req: http.ClientRequest): Promise<Reply> {
  return new Promise((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function open(port: number, method: string, path: string, extra: http.RequestOptions = {}): http.ClientRequest {
  return http.request({ host: '127.0.0.1', port, method, path, agent: false, ...extra });
}

/** Resolves with the connect error code, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** A promise plus its resolver, for steering a handler from the test. */
function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

interface Harness {
  server: RunningHttpServer;
  entered: Promise<void>;
  release: () => void;
  aborted: () => boolean;
  log: string[];
}

/** A server whose /slow and /echo handlers signal when they start and wait for release(). */
async function harness(): Promise<Harness> {
  const entered = gate();
  const released = gate();
  let wasAborted = false;
  const log: string[] = [];
  const router = new Router()
    .add('GET', '/fast', async () => ({ status: 200, body: { fast: true } }))
    .add('GET', '/slow', async (ctx) => {
      ctx.signal.addEventListener('abort', () => (wasAborted = true));
      entered.open();
      await released.promise;
      return { status: 200, body: { done: true } };
    })
    .add('POST', '/echo', async (ctx) => {
      entered.open();
      return { status: 200, body: { echo: await ctx.json() } };
    })
    .add('GET', '/forever', async (ctx) => {
      ctx.signal.addEventListener('abort', () => (wasAborted = true));
      entered.open();
      await new Promise(() => {});
      return { status: 200 };
    });
  const server = await startHttpServer({ host: '127.0.0.1', port: 0, router, security: {}, log: (l) => log.push(l) });
  return { server, entered: entered.promise, release: () => released.open(), aborted: () => wasAborted, log };
}

describe('close()', () => {
  test('lets a slow request finish with 200 while refusing new connections', async () => {
    const h = await harness();
    const port = h.server.port;
    const req = open(port, 'GET', '/slow');
    const reply = collect(req);
    req.end();
    await h.entered;

    let closed = false;
    const closing = h.server.close().then(() => (closed = true));
    assert.equal(await tryConnect(port), 'ECONNREFUSED');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(closed, false, 'close() must wait for the request in flight');

    h.release();
    const answer = await reply;
    assert.equal(answer.status, 200);
    assert.equal(answer.text, '{"done":true}');
    assert.equal(answer.headers['connection'], 'close');
    await closing;
    assert.equal(closed, true);
    assert.equal(h.aborted(), false);
    assert.equal(await tryConnect(port), 'ECONNREFUSED');
  });

  test('lets a request whose body is still arriving finish', async () => {
    const h = await harness();
    const port = h.server.port;
    const body = '{"metrics":[1,2,3]}';
    const req = open(port, 'POST', '/echo', { headers: { 'content-type': 'application/json', 'content-length': String(body.length) } });
    const reply = collect(req);
    req.write(body.slice(0, 5));
    await h.entered;

    const closing = h.server.close();
    await new Promise((r) => setTimeout(r, 50));
    req.end(body.slice(5));
    const answer = await reply;
    assert.equal(answer.status, 200);
    assert.equal(answer.text, '{"echo":{"metrics":[1,2,3]}}');
    await closing;
  });

  test('closes idle keep-alive sockets instead of waiting for their timeout', async () => {
    const h = await harness();
    const port = h.server.port;
    const agent = new http.Agent({ keepAlive: true });
    try {
      const first = await collect(http.request({ host: '127.0.0.1', port, path: '/fast', agent }).end());
      assert.equal(first.status, 200);
      assert.equal(first.headers['connection'], 'keep-alive');
      const started = Date.now();
      await h.server.close();
      // Node's keep-alive timeout is 5 s; an idle socket left open would hold close() that long.
      assert.ok(Date.now() - started < 1000, `close() took ${Date.now() - started}ms`);
    } finally {
      agent.destroy();
    }
  });

  test('closes a keep-alive connection right after its in-flight request is answered', async () => {
    const h = await harness();
    const port = h.server.port;
    const agent = new http.Agent({ keepAlive: true });
    try {
      const reply = collect(http.request({ host: '127.0.0.1', port, path: '/slow', agent }).end());
      await h.entered;
      const started = Date.now();
      const closing = h.server.close();
      h.release();
      const answer = await reply;
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['connection'], 'close');
      await closing;
      assert.ok(Date.now() - started < 1000, `close() took ${Date.now() - started}ms`);
    } finally {
      agent.destroy();
    }
  });

  test('after the timeout, cuts off what is still running and aborts its signal', async () => {
    const h = await harness();
    const port = h.server.port;
    const req = open(port, 'GET', '/forever');
    const outcome = collect(req).then(
      (r) => `answered ${r.status}`,
      (err: NodeJS.ErrnoException) => `failed ${err.code}`,
    );
    req.end();
    await h.entered;
    const started = Date.now();
    await h.server.close(150);
    const took = Date.now() - started;
    assert.ok(took >= 140 && took < 1000, `close(150) took ${took}ms`);
    assert.equal(await outcome, 'failed ECONNRESET');
    assert.equal(h.aborted(), true);
    assert.ok(h.log.includes('shutdown timed out after 150ms with 1 request(s) in flight; closing their connections'), h.log.join('\n'));
  });

  test('returns the same promise when called twice', async () => {
    const h = await harness();
    const a = h.server.close();
    const b = h.server.close();
    assert.equal(a, b);
    await a;
  });
});
