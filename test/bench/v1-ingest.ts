/**
 * The daemon's own API: `POST /api/v1/experiments/runs/{id}/log-batch` with {metrics} of BATCH
 * points into the embedded store, one run per client, then the first run's point count read back
 * through `/metrics/history`.
 */

import { BATCH, type LoadResult, drive, metricKeys } from './load.ts';
import { BenchClient } from './http.ts';

const TENANT = 'bench';
const HISTORY_PAGE = 25_000;

export interface V1IngestResult extends LoadResult {
  verifiedPoints: number;
}

/** `metrics`: pre-serialized arrays (buildMetricArrays without timestamps), at least `batches`. */
export async function v1Ingest(url: string, batches: number, clients: number, metrics: string[]): Promise<V1IngestResult> {
  if (metrics.length < batches) throw new Error(`need ${batches} batches, have ${metrics.length}`);
  const client = new BenchClient(url, clients, { 'x-tenant-id': TENANT });
  try {
    const exp = await client.postJson('/api/v1/experiments', { name: `bench-${Date.now()}` });
    const runs: string[] = await Promise.all(
      Array.from({ length: clients }, async () => (await client.postJson('/api/v1/experiments/runs', { experiment_id: exp.id })).id),
    );
    const path = (run: string) => `/api/v1/experiments/runs/${run}/log-batch`;
    // Warm-up (one point under its own key), then the measured run.
    await client.postRaw(path(runs[0]!), JSON.stringify({ metrics: [{ key: 'warm', value: 0 }] }));
    const result = await drive(batches, clients, (s, b) => client.postRaw(path(runs[s]!), `{"metrics":${metrics[b]}}`));

    const expected = result.perSender[0]! * BATCH;
    let stored = 0;
    for (const key of metricKeys()) {
      let token: string | undefined;
      do {
        const page = await client.getJson(`/api/v1/experiments/runs/${runs[0]}/metrics/history`, {
          key,
          max_results: HISTORY_PAGE,
          page_token: token,
        });
        stored += (page.points as unknown[]).length;
        token = page.next_page_token ?? undefined;
      } while (token);
    }
    if (stored !== expected) throw new Error(`/api/v1: run ${runs[0]} holds ${stored} points through history, expected ${expected}`);
    return { ...result, verifiedPoints: stored };
  } finally {
    await client.close();
  }
}
