/**
 * Helpers shared by the outbox tests: a URI where nothing listens (a real "connection refused"),
 * temp data directories, an event recorder, and a full metric-history read.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { after, before } from 'node:test';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutboxEvent } from '../../server/src/outbox/index.ts';
import type { TrackingBackend } from '../../server/src/tracking/backend.ts';
import type { Metric } from '../../server/src/tracking/types.ts';
import { MlflowBackend } from '../../server/src/tracking/mlflow/index.ts';
import { type MlflowServer, startMlflowServer } from '../support/mlflow.ts';

/** `http://127.0.0.1:<port>` of a port that was free a moment ago and has no listener. */
export async function deadUri(): Promise<string> {
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const p = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(p));
    });
  });
  return `http://127.0.0.1:${port}`;
}

/** A fresh temp directory and its removal. */
export async function tempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `matih-outbox-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Collects outbox events for assertions. */
export function recorder(): { events: OutboxEvent[]; onEvent: (e: OutboxEvent) => void; count: (type: OutboxEvent['type']) => number } {
  const events: OutboxEvent[] = [];
  return {
    events,
    onEvent: (e) => events.push(e),
    count: (type) => events.filter((e) => e.type === type).length,
  };
}

/** Every point of a metric, across pages. */
export async function fullHistory(backend: TrackingBackend, runId: string, key: string): Promise<Metric[]> {
  const points: Metric[] = [];
  let pageToken: string | undefined;
  do {
    const page = await backend.getMetricHistory(runId, key, { maxResults: 25_000, ...(pageToken ? { pageToken } : {}) });
    points.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return points;
}

/** Fast retries for tests: an MLflow restart is noticed within a few hundred ms. */
export const FAST_BACKOFF = { initialIntervalMs: 50, maxIntervalMs: 300 } as const;

/** Batch `i` of the crash test: one `loss` point at step `i` and a tag naming the batch (an order witness). */
export function crashBatch(i: number): { metrics: Metric[]; tags: { key: string; value: string }[] } {
  return {
    metrics: [{ key: 'loss', value: 1 / (i + 1), timestamp: 1_700_000_000_000 + i, step: i }],
    tags: [{ key: 'progress', value: String(i) }],
  };
}

/** A real `mlflow server` for one test file, a direct client to it, and an experiment to work in. */
export interface MlflowFixture {
  server: MlflowServer;
  direct: MlflowBackend;
  experimentId: string;
}

/**
 * Starts one real `mlflow server` for the enclosing `describe` (and stops it after). The fields are
 * set by the `before` hook, so read them inside tests.
 */
export function useMlflowServer(experimentName: string): MlflowFixture {
  const fixture = {} as MlflowFixture;
  before(async () => {
    fixture.server = await startMlflowServer();
    console.log(`mlflow server started in ${fixture.server.startupMs} ms`);
    fixture.direct = new MlflowBackend({ uri: fixture.server.url });
    fixture.experimentId = await fixture.direct.createExperiment({ name: experimentName });
  });
  after(async () => {
    await fixture.direct?.close();
    await fixture.server?.stop();
  });
  return fixture;
}
