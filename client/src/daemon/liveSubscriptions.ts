/**
 * Reference-counted live subscriptions, shared by every part of the extension that shows live
 * frames (the Live Metrics panel, the notebook renderer messaging).
 *
 * The daemon keeps one set of subscribed runs per LSP session, without counting: one
 * `Live.unsubscribe` stops a run's frames for everybody. So nothing calls `Live.subscribe` /
 * `Live.unsubscribe` directly; each user {@link LiveSubscriptions.acquire | acquires} a run and
 * calls the returned release when done. The first holder of a run subscribes it, the last release
 * unsubscribes it. The frames themselves reach every `Live.frame` handler anyway.
 *
 * Requests of one run go out one after another (an acquire during an in-flight unsubscribe
 * subscribes after it; a release during an in-flight subscribe unsubscribes after it), so the
 * daemon always ends in the state the holders ask for.
 *
 * A daemon that restarted, or that ended the subscription (`Live.ended`), has forgotten every
 * run: {@link LiveSubscriptions.resubscribeAll} sends them again, and
 * {@link bindLiveSubscriptions} does that on its own and then tells the users to re-read the
 * histories (they must not acquire again for that).
 *
 * Pure: no `vscode` import, the daemon is reached through the `request` function given.
 */
import { Live } from '../../../protocol/src/index.ts';
import type { RequestDef } from '../../../protocol/src/index.ts';
import type { DaemonApi } from './daemonClient.ts';

/** Sends one LSP request (`DaemonApi.request`). */
export type LiveRequest = <P, R>(def: RequestDef<P, R>, params: P) => Promise<R>;

/** Gives up one hold of a run; calling it again does nothing. */
export type Release = () => void;

interface Entry {
  readonly tenant: string;
  readonly runId: string;
  holders: number;
  /** Whether the last request sent (or being sent) for the run is a subscribe that has not failed. */
  subscribed: boolean;
  /** The latest subscribe; acquirers wait for it. */
  pending: Promise<void>;
  /** The latest request of the run; the next one is sent after it settles. */
  tail: Promise<void>;
}

const keyOf = (tenant: string, runId: string): string => `${tenant}\u0000${runId}`;

export class LiveSubscriptions {
  readonly #request: LiveRequest;
  readonly #onError: (message: string) => void;
  readonly #entries = new Map<string, Entry>();

  constructor(request: LiveRequest, onError: (message: string) => void = () => undefined) {
    this.#request = request;
    this.#onError = onError;
  }

  /** Runs held now (tenant, run id), for diagnostics and tests. */
  get held(): { tenant: string; runId: string; holders: number }[] {
    return [...this.#entries.values()]
      .filter((e) => e.holders > 0)
      .map(({ tenant, runId, holders }) => ({ tenant, runId, holders }));
  }

  /**
   * Holds a run: resolves once the daemon sends its frames (subscribing it when nobody held it).
   * Rejects, holding nothing, when that subscribe fails.
   */
  async acquire(tenant: string, runId: string): Promise<Release> {
    const key = keyOf(tenant, runId);
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = { tenant, runId, holders: 0, subscribed: false, pending: Promise.resolve(), tail: Promise.resolve() };
      this.#entries.set(key, entry);
    }
    entry.holders++;
    let released = false;
    const release: Release = () => {
      if (released) return;
      released = true;
      this.#release(entry);
    };
    if (!entry.subscribed) this.#subscribe(entry);
    try {
      await this.#settled(entry);
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }

  /**
   * Subscribes every held run again, for a daemon that forgot them (restart, `Live.ended`).
   * Resolves when all those subscribes settled; failures are reported to `onError`.
   */
  async resubscribeAll(): Promise<void> {
    const sent: Promise<void>[] = [];
    for (const entry of this.#entries.values()) {
      if (entry.holders > 0) sent.push(this.#subscribe(entry));
    }
    await Promise.allSettled(sent);
  }

  #subscribe(entry: Entry): Promise<void> {
    entry.subscribed = true;
    const { tenant, runId } = entry;
    const sent = this.#enqueue(entry, async () => {
      await this.#request(Live.subscribe, { tenant, runIds: [runId] });
    });
    entry.pending = sent;
    sent.catch((error: unknown) => {
      // A later subscribe (or unsubscribe) decides the state; otherwise the next acquire retries.
      if (entry.pending === sent && entry.tail === sent) entry.subscribed = false;
      this.#onError(`subscribing run ${runId}: ${errorText(error)}`);
    });
    return sent;
  }

  #release(entry: Entry): void {
    entry.holders--;
    if (entry.holders > 0) return;
    if (!entry.subscribed) {
      this.#forget(entry);
      return;
    }
    entry.subscribed = false;
    const { tenant, runId } = entry;
    this.#enqueue(entry, async () => {
      await this.#request(Live.unsubscribe, { tenant, runIds: [runId] });
    }).catch((error: unknown) => this.#onError(`unsubscribing run ${runId}: ${errorText(error)}`));
  }

  /** Sends after the run's previous request settled; drops the entry once idle and unheld. */
  #enqueue(entry: Entry, send: () => Promise<void>): Promise<void> {
    const sent = entry.tail.then(send, send);
    entry.tail = sent;
    const idle = (): void => {
      if (entry.tail === sent) this.#forget(entry);
    };
    sent.then(idle, idle);
    return sent;
  }

  #forget(entry: Entry): void {
    const key = keyOf(entry.tenant, entry.runId);
    if (entry.holders === 0 && !entry.subscribed && this.#entries.get(key) === entry) this.#entries.delete(key);
  }

  /** Waits for the run's latest subscribe, following newer ones (a resubscribe) sent meanwhile. */
  async #settled(entry: Entry): Promise<void> {
    for (;;) {
      const pending = entry.pending;
      try {
        await pending;
      } catch (error) {
        if (pending === entry.pending) throw error;
      }
      if (pending === entry.pending) return;
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Something to stop listening to. */
export interface Unsubscribable {
  dispose(): void;
}

/**
 * {@link LiveSubscriptions} over the daemon client: re-subscribes the held runs when the daemon
 * is running again after a restart or ended the subscription (`Live.ended`), then calls the
 * `onDidResubscribe` listeners so their users re-read the histories (nothing to acquire again).
 */
export class DaemonLiveSubscriptions extends LiveSubscriptions implements Unsubscribable {
  readonly #listeners = new Set<() => void>();
  readonly #disposables: Unsubscribable[];

  constructor(daemon: Pick<DaemonApi, 'state' | 'onDidChangeState' | 'onNotification' | 'request'>, onError?: (message: string) => void) {
    super((def, params) => daemon.request(def, params), onError);
    let wasRunning = daemon.state === 'running';
    this.#disposables = [
      daemon.onNotification(Live.ended, () => void this.#again()),
      daemon.onDidChangeState((state) => {
        const running = state === 'running';
        if (running && !wasRunning) void this.#again();
        wasRunning = running;
      }),
    ];
  }

  /** Called after the held runs were subscribed again: re-read what may have been missed. */
  onDidResubscribe(listener: () => void): Unsubscribable {
    this.#listeners.add(listener);
    return { dispose: () => void this.#listeners.delete(listener) };
  }

  dispose(): void {
    for (const d of this.#disposables.splice(0)) d.dispose();
    this.#listeners.clear();
  }

  async #again(): Promise<void> {
    await this.resubscribeAll();
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch {
        // One user's failure does not keep the others from reloading.
      }
    }
  }
}

/**
 * One owner's holds (a panel, the notebook renderer): each (tenant, run) is held at most once
 * however often the owner (re)loads it, and a hold whose acquire failed is forgotten so the next
 * load tries again.
 */
export class LiveHolds {
  readonly #subscriptions: LiveSubscriptions;
  readonly #holds = new Map<string, Promise<Release>>();

  constructor(subscriptions: LiveSubscriptions) {
    this.#subscriptions = subscriptions;
  }

  hold(tenant: string, runId: string): Promise<Release> {
    const key = holdKey(tenant, runId);
    let hold = this.#holds.get(key);
    if (hold === undefined) {
      const acquired = this.#subscriptions.acquire(tenant, runId);
      hold = acquired;
      this.#holds.set(key, acquired);
      acquired.catch(() => {
        if (this.#holds.get(key) === acquired) this.#holds.delete(key);
      });
    }
    return hold;
  }

  /** Gives up the run's hold (once its acquire settled, when still in flight). */
  release(tenant: string, runId: string): void {
    this.#releaseKey(holdKey(tenant, runId));
  }

  releaseAll(): void {
    for (const key of [...this.#holds.keys()]) this.#releaseKey(key);
  }

  #releaseKey(key: string): void {
    const hold = this.#holds.get(key);
    if (hold === undefined) return;
    this.#holds.delete(key);
    hold.then(
      (release) => release(),
      () => undefined,
    );
  }
}

function holdKey(tenant: string, runId: string): string {
  return `${tenant}\u0000${runId}`;
}
