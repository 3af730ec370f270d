/**
 * Structural changes (experiments and runs created, renamed, archived, restored) for the
 * editor's tree, so that a run started by `python train.py` in a terminal or by a notebook shows
 * up without a manual refresh. Changes are coalesced: a script that creates a run and sets ten
 * tags causes one notification, not eleven, and a burst of runs (a sweep) at most one per window.
 *
 * Only writes that pass through the daemon are seen. Runs logged straight to an MLflow server by
 * other clients appear on the next refresh; the tree's running runs still follow the poller.
 */
import type { TreeChange } from '../../../protocol/src/index.ts';

/** Changes are held this long and sent together (at most ~3 notifications per second). */
const WINDOW_MS = 300;
/** Distinct changes one window keeps; a bigger burst collapses to one tenant-wide reload each. */
const MAX_PENDING = 200;

export type TreeChangeListener = (changes: TreeChange[]) => void;

export class ChangeFeed {
  readonly #listeners = new Set<TreeChangeListener>();
  readonly #pending = new Map<string, TreeChange>();
  readonly #windowMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(windowMs = WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  /** Records a change (after the write succeeded); listeners hear of it at the end of the window. */
  publish(change: TreeChange): void {
    if (this.#listeners.size === 0) return;
    const key = `${change.tenant}\0${change.kind}\0${change.experimentId ?? ''}\0${change.runId ?? ''}`;
    const before = this.#pending.get(key);
    // "Created" survives only while every change to the item in this window was its creation.
    this.#pending.set(key, before ? { ...change, created: before.created && change.created } : change);
    if (this.#pending.size > MAX_PENDING) this.#collapse();
    this.#timer ??= setTimeout(() => this.#flush(), this.#windowMs);
    this.#timer.unref?.();
  }

  /** Adds a listener; returns its removal. */
  subscribe(listener: TreeChangeListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending.clear();
    this.#listeners.clear();
  }

  /** Too many distinct changes: one experiments-list reload per tenant says it all. */
  #collapse(): void {
    const tenants = new Set([...this.#pending.values()].map((c) => c.tenant));
    this.#pending.clear();
    for (const tenant of tenants) this.#pending.set(`${tenant}\0*`, { tenant, kind: 'experiments', created: false });
  }

  #flush(): void {
    this.#timer = undefined;
    const changes = [...this.#pending.values()];
    this.#pending.clear();
    if (changes.length === 0) return;
    for (const listener of this.#listeners) {
      try {
        listener(changes);
      } catch {
        // One broken listener must not keep the others from hearing.
      }
    }
  }
}
