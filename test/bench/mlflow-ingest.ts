/**
 * The MLflow-compatible ingest workload, the same bytes whichever server answers: one run per
 * client (`runs/create`), then `POST /api/2.0/mlflow/runs/log-batch` with {run_id, metrics} of
 * BATCH points, and get-history to read a run's points back. It runs unchanged against the daemon
 * (embedded store or MLflow backend) and against a real `mlflow server`, so rates compare like
 * for like.
 */

import { BenchClient } from './http.ts';
import { type LoadResult, drive, driveFor, metricKeys } from './load.ts';

const API = '/api/2.0/mlflow';
/** MLflow's own client pages get-history by this many points. */
const HISTORY_PAGE = 25_000;

/** One target's share of the workload: an experiment on it, runs, timed sends, read-back. */
export class MlflowWorkload {
  readonly url: string;
  readonly #client: BenchClient;
  readonly #clients: number;
  readonly #metrics: string[];
  readonly #experimentId: string;

  private constructor(url: string, client: BenchClient, clients: number, metrics: string[], experimentId: string) {
    this.url = url;
    this.#client = client;
    this.#clients = clients;
    this.#metrics = metrics;
    this.#experimentId = experimentId;
  }

  /**
   * Creates the workload's experiment on the MLflow REST API at `url` (the part before
   * `/api/2.0`). `metrics`: pre-serialized arrays from buildMetricArrays with timestamps.
   */
  static async open(url: string, clients: number, metrics: string[]): Promise<MlflowWorkload> {
    const client = new BenchClient(url, clients);
    try {
      const exp = await client.postJson(`${API}/experiments/create`, { name: `bench-${Date.now()}-${process.pid}` });
      const id = String(exp.experiment_id ?? '');
      if (!id) throw new Error(`experiments/create gave no experiment_id: ${JSON.stringify(exp)}`);
      return new MlflowWorkload(url, client, clients, metrics, id);
    } catch (err) {
      await client.close();
      throw err;
    }
  }

  /** How many pre-serialized batches there are to send. */
  get available(): number {
    return this.#metrics.length;
  }

  /** One fresh run per client, named `<label>-<i>`. */
  newRuns(label: string): Promise<string[]> {
    return Promise.all(
      Array.from({ length: this.#clients }, async (_, i) => {
        const res = await this.#client.postJson(`${API}/runs/create`, {
          experiment_id: this.#experimentId,
          run_name: `${label}-${i}`,
          start_time: Date.now(),
        });
        const id = res.run?.info?.run_id;
        if (typeof id !== 'string' || !id) throw new Error(`runs/create gave no run_id: ${JSON.stringify(res)}`);
        return id;
      }),
    );
  }

  /** Warm-up into fresh runs for `seconds` (at most every batch once); returns batches per second. */
  async warmUp(seconds: number): Promise<number> {
    const runs = await this.newRuns('warmup');
    return driveFor(seconds, this.#clients, this.#metrics.length, this.#sender(runs, 0));
  }

  /** Times batches `from` (inclusive) to `to` (exclusive), client i logging to `runs[i]`. */
  timed(runs: string[], from: number, to: number): Promise<LoadResult> {
    if (to > this.#metrics.length) throw new Error(`need ${to} batches, have ${this.#metrics.length}`);
    return drive(to - from, this.#clients, this.#sender(runs, from));
  }

  /**
   * Reads `runId`'s points back through get-history (here and at every `alsoAt` URL, e.g. the
   * MLflow server behind a daemon) and throws unless each holds exactly `expected`.
   */
  async verify(runId: string, expected: number, alsoAt: string[] = []): Promise<void> {
    for (const base of [this.url, ...alsoAt]) {
      const client = base === this.url ? this.#client : new BenchClient(base, 1);
      try {
        const stored = await storedPoints(client, runId);
        if (stored !== expected) throw new Error(`${base}: run ${runId} holds ${stored} points through get-history, expected ${expected}`);
      } finally {
        if (client !== this.#client) await client.close();
      }
    }
  }

  close(): Promise<void> {
    return this.#client.close();
  }

  /** Client s sends batch `offset + b` to `runs[s]`; the body differs from the array only by its run_id head. */
  #sender(runs: string[], offset: number) {
    const heads = runs.map((id) => `{"run_id":${JSON.stringify(id)},"metrics":`);
    return (s: number, b: number) => this.#client.postRaw(`${API}/runs/log-batch`, `${heads[s]}${this.#metrics[offset + b]}}`);
  }
}

/** All points of one run over every bench metric key, paging get-history as MLflow's client does. */
async function storedPoints(client: BenchClient, runId: string): Promise<number> {
  let total = 0;
  for (const key of metricKeys()) {
    let token: string | undefined;
    do {
      const page = await client.getJson(`${API}/metrics/get-history`, {
        run_id: runId,
        metric_key: key,
        max_results: HISTORY_PAGE,
        page_token: token,
      });
      const metrics: { key: string }[] = page.metrics ?? [];
      if (metrics.some((m) => m.key !== key)) throw new Error(`get-history for ${key} answered other keys`);
      total += metrics.length;
      token = page.next_page_token || undefined;
    } while (token);
  }
  return total;
}
