/**
 * One-at-a-time execution per lane (a run or an experiment). A write decides "send now or queue"
 * from the lane's state, so two writes to one run must not decide at once: the second could go
 * direct while the first is failing over to the queue, and overtake it.
 */

/** A mutex per key, as a chain of promises; keys with nothing pending take no memory. */
export class LaneLocks {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `fn` after everything started earlier on `lane` has settled. */
  run<T>(lane: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(lane) ?? Promise.resolve();
    const result = previous.then(fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(lane, tail);
    void tail.then(() => {
      if (this.#tails.get(lane) === tail) this.#tails.delete(lane);
    });
    return result;
  }

  /** Resolves once every lane's pending work has settled (work queued meanwhile included). */
  async idle(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all(this.#tails.values());
  }
}
