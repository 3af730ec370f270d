/**
 * How the MLflow-API paths are timed.
 *
 *  - A fast target (the daemon on its embedded store) is through the shared point count in about
 *    a second, so it is timed several times, each into fresh runs, and the median reported.
 *  - A real `mlflow server` and a daemon in front of that same server are timed in interleaved
 *    rounds (A B, B A, A B, ...), each round the next slice of the batches to both: background
 *    load that comes and goes on the machine then hits both alike, which their ratio needs more
 *    than either rate. Rounds go on until either path has spent its time budget, so the point
 *    count follows the machine's speed during the run itself, not a guess from the warm-up.
 *
 * Every path warms up first into runs of its own; afterwards the first timed run's points are
 * read back through get-history and must equal what was sent.
 */

import { BATCH, type LoadResult, mergeResults } from './load.ts';
import { MlflowWorkload } from './mlflow-ingest.ts';

export interface PathResult extends LoadResult {
  /** The first run's point count as read back through get-history. */
  verifiedPoints: number;
}

export interface RepeatedOptions {
  clients: number;
  metrics: string[];
  batches: number;
  warmupSeconds: number;
  repeats: number;
}

/** The median (by rate) of `repeats` timed runs of the same batches; every repeat is verified. */
export async function timeRepeated(url: string, opts: RepeatedOptions): Promise<PathResult & { repeatRates: number[] }> {
  const w = await MlflowWorkload.open(url, opts.clients, opts.metrics);
  try {
    await w.warmUp(opts.warmupSeconds);
    const results: PathResult[] = [];
    for (let r = 0; r < opts.repeats; r++) {
      const runs = await w.newRuns(`timed-${r}`);
      const result = await w.timed(runs, 0, opts.batches);
      const expected = result.perSender[0]! * BATCH;
      await w.verify(runs[0]!, expected);
      results.push({ ...result, verifiedPoints: expected });
    }
    const byRate = [...results].sort((a, b) => a.pointsPerSecond - b.pointsPerSecond);
    return { ...byRate[Math.floor(byRate.length / 2)]!, repeatRates: byRate.map((x) => x.pointsPerSecond) };
  } finally {
    await w.close();
  }
}

export interface PairedOptions {
  clients: number;
  /** Pre-serialized batches; their number caps the batches per path. */
  metrics: string[];
  warmupSeconds: number;
  /** Batches each path sends per round. */
  slice: number;
  /** Stop after the round in which either path's summed time reaches this; absent: send every batch. */
  budgetSeconds?: number;
}

export interface PairedResult {
  direct: PathResult;
  fronted: PathResult;
  /** Batches each path sent. */
  batches: number;
  rounds: number;
  /** Whether the time budget (rather than the batch cap) ended the rounds. */
  stoppedByBudget: boolean;
}

/**
 * The same batches to the MLflow server at `serverUrl` and through the daemon at `daemonUrl`
 * (started with `--backend mlflow --mlflow-uri <serverUrl>`), interleaved round by round. The
 * daemon's points are read back through the daemon and from the server itself.
 */
export async function timePaired(serverUrl: string, daemonUrl: string, opts: PairedOptions): Promise<PairedResult> {
  const direct = await MlflowWorkload.open(serverUrl, opts.clients, opts.metrics);
  try {
    const fronted = await MlflowWorkload.open(daemonUrl, opts.clients, opts.metrics);
    try {
      await direct.warmUp(opts.warmupSeconds);
      await fronted.warmUp(opts.warmupSeconds);
      const paths = [
        { w: direct, runs: await direct.newRuns('timed'), parts: [] as LoadResult[], seconds: 0 },
        { w: fronted, runs: await fronted.newRuns('timed'), parts: [] as LoadResult[], seconds: 0 },
      ];
      const cap = opts.metrics.length;
      let batches = 0;
      let rounds = 0;
      let stoppedByBudget = false;
      while (batches < cap && !stoppedByBudget) {
        const to = Math.min(cap, batches + opts.slice);
        for (const p of rounds % 2 === 0 ? paths : [...paths].reverse()) {
          const part = await p.w.timed(p.runs, batches, to);
          p.parts.push(part);
          p.seconds += part.seconds;
        }
        batches = to;
        rounds++;
        stoppedByBudget = opts.budgetSeconds !== undefined && paths.some((p) => p.seconds >= opts.budgetSeconds!);
      }
      const [d, f] = paths.map((p) => mergeResults(p.parts)) as [LoadResult, LoadResult];
      const dExpected = d.perSender[0]! * BATCH;
      const fExpected = f.perSender[0]! * BATCH;
      await direct.verify(paths[0]!.runs[0]!, dExpected);
      await fronted.verify(paths[1]!.runs[0]!, fExpected, [serverUrl]);
      return {
        direct: { ...d, verifiedPoints: dExpected },
        fronted: { ...f, verifiedPoints: fExpected },
        batches,
        rounds,
        stoppedByBudget,
      };
    } finally {
      await fronted.close();
    }
  } finally {
    await direct.close();
  }
}
