/**
 * The MetricHub (DESIGN §4 `live/`, §9): every metric write and run status change that passes
 * through the daemon is published here after it was stored, by (tenant, run); subscribers get
 * coalesced frames.
 *
 * Guarantees, per subscriber:
 *  - at most one delivery per `intervalMs` (50 ms: ~20 per second), however fast points arrive,
 *    so a training loop logging every millisecond cannot flood a webview or an IPC channel;
 *  - the first points after a quiet spell go out at once (no added latency when idle);
 *  - nothing is dropped or repeated: a delivery carries every point published since the previous
 *    one, in publish order (hence in order per key), and then forgets them;
 *  - the pending buffer is bounded (`maxPending` points). A subscriber that lets it fill, or
 *    whose sink says it is backed up, is ended with reason `overflow` — it is cut off rather than
 *    silently losing points, and the others are not slowed: publishing only appends to arrays.
 *
 * The hub knows nothing about tenants' data: callers (the publishing decorator, the stream
 * endpoints) have already checked that a run is the tenant's. Keys are tenant-qualified, so a
 * run id of another tenant never matches.
 */
import type { LiveEndReason, LiveFrame, LivePoint, LiveStatus } from '../../../protocol/src/index.ts';
import { jsonNumber } from '../services/views.ts';
import { ChangeFeed } from './change-feed.ts';

/** What the hub needs from a write: MLflow's metric point (the tracking layer's `Metric`). */
export interface PublishedMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface SubscriberSink {
  /** Delivers the frames of one window; false when the transport is backed up (the subscriber is then ended). */
  deliver(frames: LiveFrame[]): boolean;
  /** Called once when the hub ends the subscriber on its own. */
  ended(reason: LiveEndReason): void;
}

export interface MetricHubOptions {
  /** Shortest time between two deliveries to one subscriber (default 50 ms). */
  intervalMs?: number;
  /** Most points one subscriber may have waiting (default 200 000). */
  maxPending?: number;
}

export interface HubStats {
  subscribers: number;
  /** Subscribers the hub ended because they could not keep up. */
  overflows: number;
  published: number;
  delivered: number;
}

/**
 * Told when a (tenant, run) gets its first subscriber and loses its last, and shown what is about
 * to be published for a watched run, so it can drop repeats. The live poller (poller.ts) is one:
 * it polls runs written straight to MLflow and both it and the daemon's writes publish here.
 */
export interface RunObserver {
  watched(tenant: string, runId: string): void;
  unwatched(tenant: string, runId: string): void;
  /** The points to publish of `metrics` (those not seen before). */
  filterMetrics(tenant: string, runId: string, metrics: readonly PublishedMetric[]): readonly PublishedMetric[];
  /** False drops a status that was already published. */
  acceptStatus(tenant: string, runId: string, status: LiveStatus): boolean;
}

const DEFAULT_INTERVAL_MS = 50;
const DEFAULT_MAX_PENDING = 200_000;

function runKey(tenant: string, runId: string): string {
  // NUL cannot occur in a tenant id, so no two (tenant, run) pairs share a key.
  return `${tenant}\0${runId}`;
}

function splitRunKey(k: string): [tenant: string, runId: string] {
  const i = k.indexOf('\0');
  return [k.slice(0, i), k.slice(i + 1)];
}

/** One (subscriber, run): the key filter and what waits for the next delivery. */
interface Watch {
  tenant: string;
  runId: string;
  keys: ReadonlySet<string> | undefined;
  points: LivePoint[];
  status: LiveStatus | undefined;
}

export class Subscriber {
  private readonly hub: MetricHub;
  private readonly sink: SubscriberSink;
  /** Insertion-ordered, so frames of one window come in the order the runs were subscribed. */
  private readonly watches = new Map<string, Watch>();
  /** Runs with something pending, in the order they got it. */
  private readonly dirty = new Set<Watch>();
  private pending = 0;
  private lastDelivery = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(hub: MetricHub, sink: SubscriberSink) {
    this.hub = hub;
    this.sink = sink;
  }

  get runCount(): number {
    return this.watches.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  isWatching(tenant: string, runId: string): boolean {
    return this.watches.has(runKey(tenant, runId));
  }

  /** Subscribes runs of one tenant (replacing their key filters); pending points of a run already watched are kept. */
  watch(tenant: string, runIds: readonly string[], keys?: readonly string[]): void {
    if (this.closed) return;
    const filter = keys ? new Set(keys) : undefined;
    for (const runId of runIds) {
      const k = runKey(tenant, runId);
      const existing = this.watches.get(k);
      if (existing) {
        existing.keys = filter;
        continue;
      }
      const w: Watch = { tenant, runId, keys: filter, points: [], status: undefined };
      this.watches.set(k, w);
      this.hub.attach(k, this);
    }
  }

  /** Stops frames for these runs; what was pending for them is discarded (the caller asked for nothing more). */
  unwatch(tenant: string, runIds: readonly string[]): void {
    for (const runId of runIds) {
      const k = runKey(tenant, runId);
      const w = this.watches.get(k);
      if (!w) continue;
      this.pending -= w.points.length;
      this.dirty.delete(w);
      this.watches.delete(k);
      this.hub.detach(k, this);
    }
  }

  /** Ends the subscriber without telling its sink (the owner is going away). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    for (const k of this.watches.keys()) this.hub.detach(k, this);
    this.watches.clear();
    this.dirty.clear();
    this.hub.removeSubscriber(this);
  }

  /** @internal from the hub */
  offerPoints(k: string, metrics: readonly PublishedMetric[]): void {
    const w = this.watches.get(k);
    if (!w) return;
    let added = 0;
    for (const m of metrics) {
      if (w.keys && !w.keys.has(m.key)) continue;
      w.points.push({ key: m.key, step: m.step, value: jsonNumber(m.value), timestamp: m.timestamp });
      added++;
    }
    if (added === 0) return;
    this.pending += added;
    this.dirty.add(w);
    if (this.pending > this.hub.maxPending) {
      this.end('overflow');
      return;
    }
    this.schedule();
  }

  /** @internal from the hub */
  offerStatus(k: string, status: LiveStatus): void {
    const w = this.watches.get(k);
    if (!w) return;
    w.status = status;
    this.dirty.add(w);
    this.schedule();
  }

  /** Flushes now if the last delivery is at least one interval ago, else at that moment. */
  private schedule(): void {
    if (this.timer) return;
    const wait = this.lastDelivery + this.hub.intervalMs - performance.now();
    if (wait <= 0) {
      // Not synchronously: the publisher is inside a request handler, and waiting one timer
      // turn lets writes that land together (concurrent requests) leave as one frame.
      this.timer = setTimeout(() => this.flush(), 0);
    } else {
      this.timer = setTimeout(() => this.flush(), Math.ceil(wait));
    }
  }

  private flush(): void {
    this.timer = undefined;
    if (this.closed || this.dirty.size === 0) return;
    const frames: LiveFrame[] = [];
    for (const w of this.dirty) {
      const frame: LiveFrame = { runId: w.runId, tenant: w.tenant, points: w.points };
      if (w.status) frame.status = w.status;
      frames.push(frame);
      w.points = [];
      w.status = undefined;
    }
    const count = this.pending;
    this.dirty.clear();
    this.pending = 0;
    this.lastDelivery = performance.now();
    this.hub.noteDelivered(count);
    let ok: boolean;
    try {
      ok = this.sink.deliver(frames);
    } catch {
      ok = false;
    }
    if (!ok) this.end('overflow');
  }

  private end(reason: LiveEndReason): void {
    if (this.closed) return;
    this.hub.noteOverflow();
    this.close();
    try {
      this.sink.ended(reason);
    } catch {
      // The sink's transport is already gone; nothing more to tell it.
    }
  }
}

export class MetricHub {
  /** Experiments and runs created or changed, for the editor's tree (not per-run subscriptions). */
  readonly changes = new ChangeFeed();
  readonly intervalMs: number;
  readonly maxPending: number;
  /** (tenant, run) → its subscribers; entries go when the last subscriber leaves. */
  private readonly byRun = new Map<string, Set<Subscriber>>();
  private readonly subscribers = new Set<Subscriber>();
  private readonly observers = new Set<RunObserver>();
  private overflows = 0;
  private published = 0;
  private delivered = 0;

  constructor(options: MetricHubOptions = {}) {
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
  }

  subscribe(sink: SubscriberSink): Subscriber {
    const s = new Subscriber(this, sink);
    this.subscribers.add(s);
    return s;
  }

  /** Points one write stored for a run of `tenant`; call only after the write succeeded. */
  publishMetrics(tenant: string, runId: string, published: readonly PublishedMetric[]): void {
    let metrics = published;
    if (metrics.length === 0) return;
    this.published += metrics.length;
    const k = runKey(tenant, runId);
    const subs = this.byRun.get(k);
    if (!subs) return;
    for (const o of this.observers) metrics = o.filterMetrics(tenant, runId, metrics);
    if (metrics.length === 0) return;
    for (const s of subs) s.offerPoints(k, metrics);
  }

  /** A run's status or end time changed (after the update succeeded). */
  publishStatus(tenant: string, runId: string, status: LiveStatus): void {
    const k = runKey(tenant, runId);
    const subs = this.byRun.get(k);
    if (!subs) return;
    for (const o of this.observers) if (!o.acceptStatus(tenant, runId, status)) return;
    for (const s of subs) s.offerStatus(k, status);
  }

  stats(): HubStats {
    return { subscribers: this.subscribers.size, overflows: this.overflows, published: this.published, delivered: this.delivered };
  }

  /** Adds an observer, told at once of the runs already watched; returns its removal. */
  observe(observer: RunObserver): () => void {
    this.observers.add(observer);
    for (const k of this.byRun.keys()) observer.watched(...splitRunKey(k));
    return () => {
      this.observers.delete(observer);
    };
  }

  /** Ends every subscriber quietly (daemon shutdown). */
  close(): void {
    for (const s of [...this.subscribers]) s.close();
    this.changes.close();
  }

  /** @internal */
  attach(k: string, s: Subscriber): void {
    let set = this.byRun.get(k);
    if (!set) {
      this.byRun.set(k, (set = new Set()));
      for (const o of this.observers) o.watched(...splitRunKey(k));
    }
    set.add(s);
  }

  /** @internal */
  detach(k: string, s: Subscriber): void {
    const set = this.byRun.get(k);
    if (!set) return;
    set.delete(s);
    if (set.size === 0) {
      this.byRun.delete(k);
      for (const o of this.observers) o.unwatched(...splitRunKey(k));
    }
  }

  /** @internal */
  removeSubscriber(s: Subscriber): void {
    this.subscribers.delete(s);
  }

  /** @internal */
  noteOverflow(): void {
    this.overflows++;
  }

  /** @internal */
  noteDelivered(points: number): void {
    this.delivered += points;
  }
}
