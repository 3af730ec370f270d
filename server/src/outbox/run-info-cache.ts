/**
 * The runs' last known RunInfo, so that an update the outbox had to queue can still answer with
 * a RunInfo (MLflow's `runs/update` returns one; its Python client ignores it). Fed by every read
 * and write that returns a run.
 */

import type { RunInfo, UpdateRunInput } from '../tracking/types.ts';

const MAX_RUNS = 10_000;

/** A bounded map of RunInfo by run id; the least recently stored entry goes first when full. */
export class RunInfoCache {
  readonly #infos = new Map<string, RunInfo>();

  get(runId: string): RunInfo | undefined {
    return this.#infos.get(runId);
  }

  remember(info: RunInfo): void {
    this.#infos.delete(info.runId);
    this.#infos.set(info.runId, info);
    if (this.#infos.size > MAX_RUNS) {
      const oldest = this.#infos.keys().next();
      if (!oldest.done) this.#infos.delete(oldest.value);
    }
  }
}

/**
 * The RunInfo a queued update will produce: the last known one with the update applied. For a run
 * this daemon has not seen since it started (and cannot read while the server is down), fields it
 * cannot know are empty strings and 0.
 */
export function queuedRunInfo(known: RunInfo | undefined, runId: string, update: UpdateRunInput): RunInfo {
  const base: RunInfo = known ?? {
    runId,
    experimentId: '',
    runName: '',
    userId: '',
    status: 'RUNNING',
    startTime: 0,
    endTime: null,
    artifactUri: '',
    lifecycleStage: 'active',
  };
  return {
    ...base,
    ...(update.status !== undefined ? { status: update.status } : {}),
    ...(update.endTime !== undefined ? { endTime: update.endTime } : {}),
    ...(update.runName !== undefined ? { runName: update.runName } : {}),
  };
}
