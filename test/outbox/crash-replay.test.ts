/**
 * Kill -9 of the daemon (§7 item 20). A child process running an OutboxBackend acknowledges N
 * batches while MLflow is unreachable and is SIGKILLed with all N queued; started again with the
 * server reachable it starts delivering and is SIGKILLed mid-flush; started a third time it
 * replays the rest before its new writes (past a torn frame added to the WAL's tail), and every
 * point is in the server's history exactly once.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { MlflowBackend } from '../../server/src/tracking/mlflow/index.ts';
import { startMlflowServer } from '../support/mlflow.ts';
import type { MlflowServer } from '../support/mlflow.ts';
import { crashBatch, deadUri, fullHistory, tempDir } from './support.ts';

const CHILD = join(import.meta.dirname, 'fixtures', 'outbox-daemon.ts');
const N = 200;
const M = 20;
const KILL_AFTER = 30;

type Line = { type: string; seq?: number; queued?: number; ok?: boolean; stats?: { queued: { entries: number }; deadLetters: number } };

interface Child {
  child: ChildProcess;
  lines: Line[];
  /** Resolves once `pred` holds for the lines so far; rejects if the child ends first. */
  waitFor: (pred: (lines: Line[]) => boolean, what: string) => Promise<void>;
  /** The exit code (null when killed by a signal), once every line has been read. */
  exited: Promise<number | null>;
}

function startChild(args: string[]): Child {
  const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Line[] = [];
  const checks = new Set<() => void>();
  let ended = false;
  const notify = (): void => {
    for (const check of [...checks]) check();
  };
  const reader = createInterface({ input: child.stdout! });
  reader.on('line', (text) => {
    lines.push(JSON.parse(text) as Line);
    notify();
  });
  const readerClosed = new Promise<void>((resolve) => reader.once('close', resolve));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code))).then(async (code) => {
    await readerClosed;
    ended = true;
    notify();
    return code;
  });
  const waitFor = (pred: (l: Line[]) => boolean, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        checks.delete(check);
        if (err) reject(err);
        else resolve();
      };
      const check = (): void => {
        if (pred(lines)) finish();
        else if (ended) finish(new Error(`the child ended before ${what}; it said ${JSON.stringify(lines.slice(-3))}`));
      };
      const timer = setTimeout(() => finish(new Error(`timed out waiting for ${what}`)), 90_000);
      checks.add(check);
      check();
    });
  return { child, lines, waitFor, exited };
}

const count = (lines: Line[], type: string): number => lines.filter((l) => l.type === type).length;

describe('outbox across a SIGKILL of the daemon', () => {
  let server: MlflowServer;
  let direct: MlflowBackend;

  before(async () => {
    server = await startMlflowServer();
    console.log(`mlflow server started in ${server.startupMs} ms`);
    direct = new MlflowBackend({ uri: server.url });
  });

  after(async () => {
    await direct?.close();
    await server?.stop();
  });

  it('replays the queue left by a killed daemon, before new writes, and loses nothing', async () => {
    const { dir, remove } = await tempDir('crash');
    try {
      const experimentId = await direct.createExperiment({ name: 'outbox-crash' });
      const runId = (await direct.createRun({ experimentId })).info.runId;

      // 1. MLflow unreachable: all N writes are acknowledged from the spool; then kill -9.
      const first = startChild(['serve', dir, await deadUri(), runId, '0', String(N)]);
      await first.waitFor((l) => l.some((x) => x.type === 'acked'), 'the first daemon to acknowledge its writes');
      first.child.kill('SIGKILL');
      assert.equal(await first.exited, null);
      assert.deepEqual([first.lines[0], count(first.lines, 'queued'), count(first.lines, 'delivered')], [{ type: 'opened', queued: 0 }, N, 0]);

      // 2. MLflow reachable: the queue is replayed, and the daemon is killed -9 part-way.
      const second = startChild(['serve', dir, server.url, runId, '0', '0']);
      await second.waitFor((l) => count(l, 'delivered') >= KILL_AFTER, `${KILL_AFTER} deliveries`);
      second.child.kill('SIGKILL');
      assert.equal(await second.exited, null);
      assert.deepEqual(second.lines[0], { type: 'opened', queued: N });
      const seenDelivered = count(second.lines, 'delivered');

      // A crash mid-commit leaves a torn frame at the WAL's tail; SQLite's frame checksums must
      // make it skip that and keep every committed record.
      const wal = join(dir, 'outbox.db-wal');
      assert.ok(existsSync(wal), 'the killed daemon left its WAL behind');
      appendFileSync(wal, randomBytes(1500));

      // The lock died with the process, so the spool can be read: what is left is exactly what
      // was not reported delivered, or one more (a delivery committed but not yet reported).
      const spool = new DatabaseSync(join(dir, 'outbox.db'), { readOnly: true });
      const left = (spool.prepare('SELECT COUNT(*) AS n FROM queue').get() as { n: number }).n;
      spool.close();
      console.log(`killed after ${seenDelivered} reported deliveries; ${left} of ${N} writes left in the spool`);
      assert.ok(left > 0 && (left === N - seenDelivered || left === N - seenDelivered - 1), `left ${left}, reported ${seenDelivered}`);

      // 3. Started again: the rest is replayed first, then the new writes.
      const third = startChild(['finish', dir, server.url, runId, String(N), String(M)]);
      assert.equal(await third.exited, 0);
      const opened = third.lines[0];
      const drained = third.lines.find((l) => l.type === 'drained');
      assert.deepEqual(opened, { type: 'opened', queued: left });
      assert.equal(count(third.lines, 'queued'), M, 'new writes queue behind the replayed ones');
      assert.deepEqual([drained?.ok, drained?.stats?.queued.entries, drained?.stats?.deadLetters], [true, 0, 0]);
      const seqs = third.lines.filter((l) => l.type === 'delivered').map((l) => l.seq!);
      assert.equal(seqs.length, left + M);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'delivered in the order accepted');

      const expected = Array.from({ length: N + M }, (_, i) => crashBatch(i).metrics).flat();
      assert.deepEqual(await fullHistory(direct, runId, 'loss'), expected);
      assert.equal((await direct.getRun(runId)).data.tags['progress'], String(N + M - 1));
    } finally {
      await remove();
    }
  });
});
