/**
 * Helpers for the live tests: a recording WebSocket client of `/api/v1/stream`, a v1 run to log
 * into, and waiting for a condition.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import type { LiveFrame, StreamServerMessage } from '../../protocol/src/index.ts';
import type { TestDaemon } from '../support/daemon.ts';

export interface StreamClient {
  ws: WebSocket;
  messages: StreamServerMessage[];
  frames(): LiveFrame[];
  send(message: unknown): void;
  /** The next message that is not a frame (a reply), after those already seen. */
  reply(): Promise<StreamServerMessage>;
  closed: Promise<{ code: number; reason: string }>;
}

export async function openStream(url: string, headers: Record<string, string> = {}): Promise<StreamClient> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/stream`, { headers });
  const messages: StreamServerMessage[] = [];
  let replies = 0;
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    messages,
    closed,
    frames: () => messages.flatMap((m) => (m.type === 'frames' ? m.frames : [])),
    send: (m) => ws.send(typeof m === 'string' ? m : JSON.stringify(m)),
    async reply() {
      const seen = replies;
      const found = await waitFor(() => messages.filter((m) => m.type !== 'frames')[seen]);
      replies++;
      return found;
    },
  };
}

/** The refused upgrade's HTTP status and body. */
export function refusedUpgrade(url: string, headers: Record<string, string>, path = '/api/v1/stream'): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}${path}`, { headers });
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('error', () => {});
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) }));
    });
  });
}

export async function waitFor<T>(probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(5);
  }
}

/** A new experiment and run of `tenant` through the v1 API; returns the run id. */
export async function v1Run(d: TestDaemon, tenant: string, headers: Record<string, string> = {}): Promise<string> {
  const exp = await d.call('POST', '/api/v1/experiments', { tenant, headers, body: { name: `live-${Math.random()}` } });
  if (exp.status !== 201) throw new Error(`create experiment: ${exp.status} ${JSON.stringify(exp.body)}`);
  const run = await d.call('POST', '/api/v1/experiments/runs', { tenant, headers, body: { experiment_id: exp.body.id } });
  if (run.status !== 201) throw new Error(`create run: ${run.status} ${JSON.stringify(run.body)}`);
  return run.body.id as string;
}
