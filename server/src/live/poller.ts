/**
 * Live points of runs that log straight to an MLflow server (issue 5, "The stream"): a script
 * whose MLFLOW_TRACKING_URI is the MLflow server itself never passes through the daemon, so the
 * MetricHub would not see it. While a run on an MLflow backend has at least one hub subscriber
 * and is RUNNING, a {@link RunPoller} reads its new points and publishes them into the hub.
 *
 * One poll:
 *  1. `runs/get`: the run's status and its latest point per key (MLflow keeps the max of step,
 *     timestamp, value). A key whose latest point is not past its cursor has nothing new, so an
 *     idle run costs one small request per poll.
 *  2. For each key that moved, `metrics/get-history-bulk-interval` from the key's cursor step up
 *     to the latest step. That endpoint samples: an answer of `maxResults` (2500) points may be a
 *     sample, so the step range is halved until the answer is whole, and the width is kept for
 *     the next read of the key. An answer with fewer points is every point of the range.
 *  3. Per key the cursor is the last (step, timestamp) seen; a point is new when it lies past the
 *     cursor, or at the cursor and is not in the run's seen-window (several points may share a
 *     step, and even a timestamp). A key that appears after polling began is read from its start.
 *  4. When the run is no longer RUNNING: its last points, then its status, then the poller stops.
 *
 * Timing: the first read is at once (it only sets the cursors: points logged before the
 * subscription are the history the client reads itself); then every `intervalMs` (1 s) while
 * points arrive, doubling up to `maxIntervalMs` (30 s) while nothing changes. A failed read counts
 * as "nothing changed", so an unreachable server is asked less and less often. The poller stops
 * when the last subscriber leaves (the hub tells it), and an answer still in flight is dropped.
 *
 * Published once: points the daemon itself wrote (through `withLivePublishing`) were already
 * published when the write succeeded, and will show up in MLflow too. Both paths publish through
 * the hub, and the hub shows every point of a polled run to {@link RunPollers.filterMetrics}
 * first: a point whose (key, step, timestamp, value) is in the run's seen-window is dropped, any
 * other is recorded there and goes out. So whichever of the two comes first publishes, the other
 * is dropped. The window is bounded: entries behind their key's cursor can never be read again
 * and are pruned first, the oldest after that. Statuses are deduplicated the same way.
 *
 * Not used for the embedded store: every write there passes through the daemon.
 *
 * Known limits: a point logged at a step or (step, timestamp) below its key's cursor after the
 * cursor passed it (out-of-order logging) is not polled; more than 2500 points at one single step
 * are read as MLflow's sample of them; steps outside int32 are not polled (MLflow's request takes
 * int32); each run is read on its own (bulk reads of several runs per key are not used yet).
 */
import type { LiveStatus } from '../../../protocol/src/index.ts';
import { type BackendConfig, workspaceFor } from '../config/backend-config.ts';
import { TrackingError } from '../tracking/errors.ts';
import { BULK_INTERVAL_MAX_RESULTS, MlflowBackend } from '../tracking/mlflow/mlflow-backend.ts';
import type { MetricIntervalInput, MetricWithRunId } from '../tracking/mlflow/mlflow-backend.ts';
import type { Metric, Run } from '../tracking/types.ts';
import type { MetricHub, PublishedMetric, RunObserver } from './metric-hub.ts';

/** What a poller reads; {@link MlflowBackend} is one. */
export interface PollSource {
  getRun(runId: string): Promise<Run>;
  getMetricHistoryInterval(runIds: readonly string[], key: string, input?: MetricIntervalInput): Promise<MetricWithRunId[]>;
}

/** Timers, injectable so tests can drive the schedule. */
export interface PollTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface RunPollerOptions {
  /** The tenant's MLflow reader, or undefined when the tenant's runs need no polling. */
  sourceFor(tenant: string): PollSource | undefined;
  /** Delay while points arrive (default 1000 ms). */
  intervalMs?: number;
  /** Longest delay when nothing changes (default 30 000 ms). */
  maxIntervalMs?: number;
  /** Seen-window entries per run (default 50 000). */
  windowSize?: number;
  /** Bulk reads per key and poll before the rest waits for the next poll (default 20). */
  readsPerKey?: number;
  timers?: PollTimers;
  log?: (line: string) => void;
}

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;
const MAX_DOUBLE = 1.7976931348623157e308;

const realTimers: PollTimers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

function runKey(tenant: string, runId: string): string {
  return `${tenant}\0${runId}`;
}

/** The value as MLflow stores and returns it, so a point written and one read back compare equal. */
function valueKey(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return String(MAX_DOUBLE);
  if (v === -Infinity) return String(-MAX_DOUBLE);
  return String(v);
}

function pointKey(m: PublishedMetric): string {
  return `${m.key}\0${m.step}\0${m.timestamp}\0${valueKey(m.value)}`;
}

interface Cursor {
  step: number;
  timestamp: number;
}

/** -1, 0, 1 as (step, timestamp) of `a` is before, at, after `b`. */
function compare(a: Cursor, b: Cursor): number {
  if (a.step !== b.step) return a.step < b.step ? -1 : 1;
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1;
  return 0;
}

/** Polls one (tenant, run) while it is watched and RUNNING. */
export class RunPoller {
  readonly tenant: string;
  readonly runId: string;
  private readonly hub: MetricHub;
  private readonly source: PollSource;
  private readonly options: Required<Omit<RunPollerOptions, 'sourceFor' | 'log'>> & { log: (line: string) => void };
  private readonly onStop: (p: RunPoller) => void;
  /** Per key: last (step, timestamp) seen, and the step width of a whole (unsampled) read. */
  private readonly cursors = new Map<string, Cursor>();
  private readonly widths = new Map<string, number>();
  /** (key, step, timestamp, value) of points published for this run, oldest first. */
  private readonly seen = new Map<string, PublishedMetric>();
  private lastStatus: string | undefined;
  private started = false;
  private stopped = false;
  private delay: number;
  private timer: unknown;
  /** Polls so far (tests and diagnostics). */
  polls = 0;

  constructor(hub: MetricHub, tenant: string, runId: string, source: PollSource, options: RunPoller['options'], onStop: (p: RunPoller) => void) {
    this.hub = hub;
    this.tenant = tenant;
    this.runId = runId;
    this.source = source;
    this.options = options;
    this.onStop = onStop;
    this.delay = options.intervalMs;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** The first read, at once. */
  start(): void {
    this.timer = this.options.timers.set(() => void this.tick(), 0);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) this.options.timers.clear(this.timer);
    this.timer = undefined;
    this.seen.clear();
    this.onStop(this);
  }

  /** The hub's dedupe of points about to be published for this run. */
  filter(metrics: readonly PublishedMetric[]): readonly PublishedMetric[] {
    const fresh: PublishedMetric[] = [];
    for (const m of metrics) {
      const k = pointKey(m);
      if (this.seen.has(k)) continue;
      this.seen.set(k, m);
      fresh.push(m);
    }
    if (this.seen.size > this.options.windowSize) this.prune();
    return fresh.length === metrics.length ? metrics : fresh;
  }

  acceptStatus(status: LiveStatus): boolean {
    const k = `${status.status}\0${status.endTime}`;
    if (k === this.lastStatus) return false;
    this.lastStatus = k;
    return true;
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    this.polls++;
    const first = !this.started;
    let changed = false;
    try {
      changed = await this.poll();
    } catch (err) {
      if (this.stopped) return;
      if (err instanceof TrackingError && err.code === 'RESOURCE_DOES_NOT_EXIST') {
        this.stop();
        return;
      }
      this.options.log(`live poller: run ${this.runId}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (this.stopped) return;
    this.delay = changed || first ? this.options.intervalMs : Math.min(this.delay * 2, this.options.maxIntervalMs);
    this.timer = this.options.timers.set(() => void this.tick(), this.delay);
  }

  /** One poll; true when new points came (the next poll is then soon). */
  private async poll(): Promise<boolean> {
    const run = await this.source.getRun(this.runId);
    if (this.stopped) return false;
    const running = run.info.status === 'RUNNING';
    if (!this.started) {
      this.started = true;
      // Points logged before the subscription are history the client reads itself.
      for (const m of run.data.metrics) this.cursors.set(m.key, { step: m.step, timestamp: m.timestamp });
      for (const m of run.data.metrics) this.seen.set(pointKey(m), m);
      if (!running) this.stop();
      return false;
    }
    let changed = false;
    for (const latest of run.data.metrics) {
      const cursor = this.cursors.get(latest.key);
      if (cursor && compare(latest, cursor) <= 0) continue;
      if (await this.readKey(latest.key, latest.step)) changed = true;
      if (this.stopped) return false;
    }
    if (!running) {
      this.hub.publishStatus(this.tenant, this.runId, { status: run.info.status, endTime: run.info.endTime });
      this.stop();
    }
    return changed;
  }

  /** Reads one key's new points up to `target` (its latest step) and publishes them; true if any. */
  private async readKey(key: string, target: number): Promise<boolean> {
    let cursor = this.cursors.get(key);
    let from = cursor ? Math.max(cursor.step, INT32_MIN) : INT32_MIN;
    const last = Math.min(target, INT32_MAX);
    let width = this.widths.get(key) ?? Infinity;
    let any = false;
    for (let reads = 0; from <= last && reads < this.options.readsPerKey; reads++) {
      const end = Math.min(last, from + width - 1);
      const points = await this.source.getMetricHistoryInterval([this.runId], key, {
        startStep: from,
        endStep: end,
        maxResults: BULK_INTERVAL_MAX_RESULTS,
      });
      if (this.stopped) return false;
      if (points.length >= BULK_INTERVAL_MAX_RESULTS && end > from) {
        // Possibly a sample: read a narrower range.
        width = Math.max(1, Math.floor((end - from + 1) / 2));
        continue;
      }
      const fresh: Metric[] = [];
      for (const p of points) {
        if (p.runId !== this.runId || p.key !== key) continue;
        if (cursor && compare(p, cursor) < 0) continue;
        // At the cursor itself: only if not seen (several points can share step and timestamp).
        if (cursor && compare(p, cursor) === 0 && this.seen.has(pointKey(p))) continue;
        fresh.push({ key, value: p.value, timestamp: p.timestamp, step: p.step });
      }
      fresh.sort((a, b) => compare(a, b));
      for (const p of fresh) if (!cursor || compare(p, cursor) > 0) cursor = { step: p.step, timestamp: p.timestamp };
      if (cursor) this.cursors.set(key, cursor);
      if (fresh.length > 0) {
        // Through the hub, whose filter (this.filter) drops what the daemon already published.
        this.hub.publishMetrics(this.tenant, this.runId, fresh);
        any = true;
      }
      if (points.length < BULK_INTERVAL_MAX_RESULTS / 2 && width !== Infinity) width *= 2;
      from = end + 1;
    }
    this.widths.set(key, width);
    return any;
  }

  /** Drops window entries behind their key's cursor, then the oldest until the window fits. */
  private prune(): void {
    for (const [k, m] of this.seen) {
      const c = this.cursors.get(m.key);
      if (c && compare(m, c) < 0) this.seen.delete(k);
    }
    for (const k of this.seen.keys()) {
      if (this.seen.size <= this.options.windowSize) break;
      this.seen.delete(k);
    }
  }
}

/**
 * The hub observer that starts a {@link RunPoller} when a run of a polled tenant gets its first
 * subscriber and stops it when the last leaves.
 */
export class RunPollers implements RunObserver {
  private readonly hub: MetricHub;
  private readonly sourceFor: (tenant: string) => PollSource | undefined;
  private readonly options: RunPoller['options'];
  private readonly pollers = new Map<string, RunPoller>();
  private readonly detach: () => void;

  constructor(hub: MetricHub, options: RunPollerOptions) {
    this.hub = hub;
    this.sourceFor = options.sourceFor;
    this.options = {
      intervalMs: options.intervalMs ?? 1000,
      maxIntervalMs: options.maxIntervalMs ?? 30_000,
      windowSize: options.windowSize ?? 50_000,
      readsPerKey: options.readsPerKey ?? 20,
      timers: options.timers ?? realTimers,
      log: options.log ?? (() => {}),
    };
    this.detach = hub.observe(this);
  }

  /** The poller of a run, while it polls (tests and diagnostics). */
  poller(tenant: string, runId: string): RunPoller | undefined {
    return this.pollers.get(runKey(tenant, runId));
  }

  get active(): number {
    return this.pollers.size;
  }

  watched(tenant: string, runId: string): void {
    const k = runKey(tenant, runId);
    if (this.pollers.has(k)) return;
    let source: PollSource | undefined;
    try {
      source = this.sourceFor(tenant);
    } catch {
      source = undefined; // e.g. a tenant without an MLflow workspace: nothing to poll
    }
    if (!source) return;
    const p = new RunPoller(this.hub, tenant, runId, source, this.options, (stopped) => {
      if (this.pollers.get(k) === stopped) this.pollers.delete(k);
    });
    this.pollers.set(k, p);
    p.start();
  }

  unwatched(tenant: string, runId: string): void {
    this.pollers.get(runKey(tenant, runId))?.stop();
  }

  filterMetrics(tenant: string, runId: string, metrics: readonly PublishedMetric[]): readonly PublishedMetric[] {
    const p = this.pollers.get(runKey(tenant, runId));
    return p ? p.filter(metrics) : metrics;
  }

  acceptStatus(tenant: string, runId: string, status: LiveStatus): boolean {
    const p = this.pollers.get(runKey(tenant, runId));
    return p ? p.acceptStatus(status) : true;
  }

  /** Stops every poller and leaves the hub (the hub's subscriptions stay). */
  close(): void {
    this.detach();
    for (const p of [...this.pollers.values()]) p.stop();
  }
}

/** Polling for a daemon whose backend is an MLflow server; undefined for the embedded store. */
export interface MlflowPolling {
  readonly pollers: RunPollers;
  close(): Promise<void>;
}

/**
 * Starts polling for the MLflow backend `config` on `hub`: one small reader per MLflow workspace
 * (the daemon's own clients sit behind the outbox, which has no bulk-interval read), created on
 * first use. Tenants map to workspaces as in BackendSet; a tenant without one is not polled.
 */
export function startMlflowPolling(
  hub: MetricHub,
  config: BackendConfig,
  options: Omit<RunPollerOptions, 'sourceFor'> = {},
): MlflowPolling | undefined {
  if (config.kind !== 'mlflow') return undefined;
  const readers = new Map<string, MlflowBackend>();
  // A tenant without a (valid) workspace throws here, and RunPollers.watched then polls nothing.
  const sourceFor = (tenant: string): PollSource => {
    const workspace = config.workspaces === undefined ? '' : workspaceFor(tenant, config.workspaces);
    let reader = readers.get(workspace);
    if (!reader) {
      reader = new MlflowBackend({
        uri: config.uri,
        connections: 2,
        timeoutMs: 30_000,
        ...(config.auth ? { auth: config.auth } : {}),
        ...(workspace ? { workspace } : {}),
      });
      readers.set(workspace, reader);
    }
    return reader;
  };
  const pollers = new RunPollers(hub, { ...options, sourceFor });
  return {
    pollers,
    async close() {
      pollers.close();
      await Promise.all([...readers.values()].map((r) => r.close()));
    },
  };
}
