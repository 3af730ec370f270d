/**
 * Keeps the running runs the tree shows current from the daemon's live frames (issue 5: "runs in
 * the tree update their status and latest metrics live"), instead of re-reading them on a timer.
 *
 * The tree tells it which run nodes are on screen ({@link LiveRuns.watch} for a node whose
 * experiment is expanded, {@link LiveRuns.unwatch} when it is collapsed or gone, and
 * {@link LiveRuns.setActive} with the sidebar's visibility). For each watched run that is running
 * or scheduled it holds a live subscription (the shared, counted {@link LiveSubscriptions}); a
 * frame's points change the latest metric values, its status ends the run (icon, end time,
 * duration). A run that ended is released and read once more, so the final state is the
 * daemon's, not a guess; a run is also read once just after its subscription started, since
 * whatever happened between listing it and subscribing (it may even have finished) was in no frame.
 *
 * The tree is told at a calm rate: changed nodes are collected and handed over at most every
 * REFRESH_MS. Between frames, a running run's duration still grows, so its node is re-rendered
 * (no request) every TICK_MS.
 *
 * Pure: no `vscode` import; the daemon and the tree are reached through {@link LiveRunsHost}.
 */
import type { LiveFrame, RunView } from '../../../protocol/src/index.ts';
import type { Release } from '../daemon/liveSubscriptions.ts';
import { daemonErrorCode } from '../util/errors.ts';
import { Coalescer, applyFrame, isLiveStatus, realSchedule } from './liveRunState.ts';
import type { MetricCursors, Schedule } from './liveRunState.ts';

/** At most two tree refreshes per second, however fast frames come (the daemon sends up to 20). */
export const REFRESH_MS = 500;
/** How often a running run's node is re-rendered so its duration grows. */
export const TICK_MS = 5000;
/**
 * Ticks between two re-reads of a run that has no stream: the daemon refused its subscription
 * (e.g. more than LIVE_MAX_RUNS runs subscribed in this session, or a transient error). Only
 * those runs are polled, slowly, and each poll tries to subscribe again.
 */
export const FALLBACK_TICKS = 3;
/**
 * Runs the tree streams at most. The daemon allows LIVE_MAX_RUNS (100) per session, shared with
 * the Live panel and the notebook outputs; a tree showing hundreds of running runs must not take
 * them all. Runs beyond this are read on the fallback poll instead.
 */
export const TREE_MAX_STREAMS = 50;

/** What the tracker needs of a run node: the tree's own RunNode has these. */
export interface LiveRunNode {
  readonly id: string;
  readonly tenant: string;
  readonly run: RunView;
}

export interface LiveRunsHost<N extends LiveRunNode> {
  /** Holds a run's live frames (`LiveSubscriptions.acquire`); rejects when the daemon refuses. */
  acquire(tenant: string, runId: string): Promise<Release>;
  /** Reads a run (`Runs.get`). */
  read(tenant: string, runId: string): Promise<RunView>;
  /** Whether the daemon is running (no reads are tried otherwise). */
  readonly ready: boolean;
  /** Stores a run's new state in its node (and wherever the tree keeps the run). */
  apply(node: N, run: RunView): void;
  /** Tells the tree these nodes changed; each re-renders with its expanded children. */
  changed(nodes: N[]): void;
  onError?(message: string): void;
}

export interface LiveRunsOptions {
  refreshMs?: number;
  tickMs?: number;
  maxStreams?: number;
  schedule?: Schedule;
  now?: () => number;
}

type Mode = 'parked' | 'subscribing' | 'live' | 'fallback';

interface Watch<N> {
  node: N;
  readonly key: string;
  cursors: MetricCursors;
  mode: Mode;
  release: Release | undefined;
}

const keyOf = (tenant: string, runId: string): string => `${tenant}\u0000${runId}`;

export class LiveRuns<N extends LiveRunNode> {
  readonly #host: LiveRunsHost<N>;
  readonly #watches = new Map<string, Watch<N>>();
  readonly #refresh: Coalescer<N>;
  readonly #schedule: Schedule;
  readonly #tickMs: number;
  readonly #maxStreams: number;
  #ticker: { cancel(): void } | undefined;
  #ticks = 0;
  #active = true;
  #disposed = false;

  constructor(host: LiveRunsHost<N>, options: LiveRunsOptions = {}) {
    this.#host = host;
    this.#schedule = options.schedule ?? realSchedule;
    this.#tickMs = options.tickMs ?? TICK_MS;
    this.#maxStreams = options.maxStreams ?? TREE_MAX_STREAMS;
    this.#refresh = new Coalescer((nodes) => host.changed(nodes), options.refreshMs ?? REFRESH_MS, this.#schedule, options.now);
  }

  /** Watched runs and how each gets its updates, for diagnostics and tests. */
  get watched(): { tenant: string; runId: string; mode: Mode }[] {
    return [...this.#watches.values()].map((w) => ({ tenant: w.node.tenant, runId: w.node.run.id, mode: w.mode }));
  }

  /** Follows the node's run while it is running or scheduled (and not archived); forgets it otherwise. */
  watch(node: N): void {
    if (this.#disposed) return;
    const key = keyOf(node.tenant, node.run.id);
    if (!isLiveStatus(node.run.status) || node.run.lifecycleStage !== 'active') {
      this.#stop(key);
      return;
    }
    const existing = this.#watches.get(key);
    if (existing !== undefined) {
      existing.node = node;
      return;
    }
    const w: Watch<N> = { node, key, cursors: new Map(), mode: 'parked', release: undefined };
    this.#watches.set(key, w);
    if (this.#active) this.#subscribe(w);
    this.#ensureTicker();
  }

  /** Stops following the node's run (collapsed, gone from the tree). */
  unwatch(node: LiveRunNode): void {
    this.#stop(keyOf(node.tenant, node.run.id));
    this.#refresh.delete(node as N);
  }

  /**
   * The sidebar was hidden (false) or shown again (true). Hidden, every subscription is given up
   * (nobody sees the runs); shown again, they are taken up again and each run is read once.
   */
  setActive(active: boolean): void {
    if (this.#disposed || active === this.#active) return;
    this.#active = active;
    for (const w of this.#watches.values()) {
      if (active) {
        this.#subscribe(w);
      } else {
        w.release?.();
        w.release = undefined;
        w.mode = 'parked';
      }
    }
    if (active) this.#ensureTicker();
  }

  /** The frames of one `Live.frame` notification (they name runs of any holder; others are ignored). */
  onFrames(frames: readonly LiveFrame[]): void {
    for (const frame of frames) {
      const w = this.#watches.get(keyOf(frame.tenant, frame.runId));
      if (w === undefined || w.mode === 'parked') continue;
      const before = w.node.run;
      const next = applyFrame(before, frame, w.cursors);
      if (next === before) continue;
      const node = w.node;
      // Applying may unwatch the node (it ended): queue the refresh after that.
      this.#host.apply(node, next);
      this.#refresh.add(node);
      if (!isLiveStatus(next.status)) {
        this.#stop(w.key);
        void this.#reread(node);
      }
    }
  }

  /** The daemon subscribed the held runs again (restart, overflow): read them, frames were missed. */
  resubscribed(): void {
    for (const w of this.#watches.values()) if (w.mode === 'live') void this.#reread(w.node);
  }

  dispose(): void {
    this.#disposed = true;
    for (const key of [...this.#watches.keys()]) this.#stop(key);
    this.#ticker?.cancel();
    this.#ticker = undefined;
    this.#refresh.dispose();
  }

  #subscribe(w: Watch<N>): void {
    let streams = 0;
    for (const other of this.#watches.values()) if (other !== w && (other.mode === 'live' || other.mode === 'subscribing')) streams++;
    if (streams >= this.#maxStreams) {
      w.mode = 'fallback';
      return;
    }
    w.mode = 'subscribing';
    const { tenant } = w.node;
    const runId = w.node.run.id;
    this.#host.acquire(tenant, runId).then(
      (release) => {
        if (this.#watches.get(w.key) !== w || w.mode !== 'subscribing') {
          release();
          return;
        }
        w.release = release;
        w.mode = 'live';
        void this.#reread(w.node);
      },
      (error: unknown) => {
        if (this.#watches.get(w.key) !== w || w.mode !== 'subscribing') return;
        w.mode = 'fallback';
        this.#host.onError?.(`run ${runId} is re-read every ${(FALLBACK_TICKS * this.#tickMs) / 1000} s: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  }

  #stop(key: string): void {
    const w = this.#watches.get(key);
    if (w === undefined) return;
    this.#watches.delete(key);
    w.mode = 'parked';
    w.release?.();
    w.release = undefined;
  }

  async #reread(node: N): Promise<void> {
    if (!this.#host.ready || this.#disposed) return;
    let run: RunView;
    try {
      run = await this.#host.read(node.tenant, node.run.id);
    } catch (error) {
      // A run deleted elsewhere is no longer followed; other failures wait for the next frame or tick.
      if (daemonErrorCode(error) === 'not_found') this.#stop(keyOf(node.tenant, node.run.id));
      return;
    }
    if (this.#disposed) return;
    this.#host.apply(node, run);
    this.#refresh.add(node);
  }

  #ensureTicker(): void {
    if (this.#ticker !== undefined || this.#disposed || !this.#active || this.#watches.size === 0) return;
    this.#ticker = this.#schedule(() => {
      this.#ticker = undefined;
      this.#tick();
      this.#ensureTicker();
    }, this.#tickMs);
  }

  #tick(): void {
    this.#ticks++;
    const poll = this.#ticks % FALLBACK_TICKS === 0;
    for (const w of [...this.#watches.values()]) {
      if (w.mode === 'fallback' && poll) {
        void this.#reread(w.node);
        this.#subscribe(w);
      } else if (w.node.run.status === 'running') {
        this.#refresh.add(w.node);
      }
    }
  }
}
