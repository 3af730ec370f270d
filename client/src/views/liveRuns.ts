/**
 * Keeps running runs in the tree current: every few seconds, while the sidebar is visible, the
 * runs shown as running are re-read (a bounded number per tick, one tick at a time), so the
 * spinner stops when training ends, the duration grows and new metric values appear.
 *
 * This polls because the protocol has no run-status notification yet; when the daemon pushes
 * status changes, `update()` is what a notification handler would call.
 */
import type { Disposable } from 'vscode';
import { Runs } from '../../../protocol/src/index.ts';
import type { RunView } from '../../../protocol/src/index.ts';
import type { DaemonApi } from '../daemon/daemonClient.ts';
import { daemonErrorCode } from '../util/errors.ts';
import type { TreeNode } from './nodes/base.ts';
import { isLive } from './nodes/runNode.ts';
import type { RunNode } from './nodes/runNode.ts';

const INTERVAL_MS = 5000;
/** Runs re-read per tick; the rest wait for the next one (oldest-read first). */
const PER_TICK = 20;

export interface LiveRunsHost {
  readonly daemon: DaemonApi;
  /** The sidebar is on screen; polling a hidden tree wastes the daemon's time. */
  readonly visible: boolean;
  changed(node: TreeNode): void;
}

export class LiveRuns implements Disposable {
  readonly #host: LiveRunsHost;
  /** Watched run nodes by tree id, in the order they were last read. */
  readonly #runs = new Map<string, RunNode>();
  readonly #timer: NodeJS.Timeout;
  #ticking = false;

  constructor(host: LiveRunsHost) {
    this.#host = host;
    this.#timer = setInterval(() => void this.#tick(), INTERVAL_MS);
  }

  get size(): number {
    return this.#runs.size;
  }

  /** Watches the node while its run is running or scheduled; forgets it otherwise. */
  watch(node: RunNode): void {
    if (isLive(node.run.status) && node.run.lifecycleStage === 'active') {
      if (!this.#runs.has(node.id)) this.#runs.set(node.id, node);
    } else {
      this.#runs.delete(node.id);
    }
  }

  unwatch(node: TreeNode): void {
    this.#runs.delete(node.id);
  }

  /** Applies a run's new state to its node (from a poll, or later from a daemon notification). */
  update(node: RunNode, run: RunView): void {
    node.experiment.updated(run);
    this.watch(node);
    this.#host.changed(node);
  }

  dispose(): void {
    clearInterval(this.#timer);
    this.#runs.clear();
  }

  async #tick(): Promise<void> {
    if (this.#ticking || this.#runs.size === 0 || !this.#host.visible || this.#host.daemon.state !== 'running') return;
    this.#ticking = true;
    try {
      const batch = [...this.#runs.values()].slice(0, PER_TICK);
      await Promise.all(batch.map((node) => this.#refresh(node)));
    } finally {
      this.#ticking = false;
    }
  }

  async #refresh(node: RunNode): Promise<void> {
    // Move to the back of the queue, so more than PER_TICK running runs all get their turn.
    this.#runs.delete(node.id);
    this.#runs.set(node.id, node);
    try {
      const run = await this.#host.daemon.request(Runs.get, { tenant: node.tenant, runId: node.run.id });
      this.update(node, run);
    } catch (error) {
      // A run deleted elsewhere stops being watched; other failures are retried next tick.
      if (daemonErrorCode(error) === 'not_found') this.#runs.delete(node.id);
      // Still refresh the node: a running run's duration grows even without a new answer.
      this.#host.changed(node);
    }
  }
}
