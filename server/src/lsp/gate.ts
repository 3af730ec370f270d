/**
 * Lets requests share the current listener while a backend switch waits for them: requests
 * enter `shared`, a switch runs `exclusive` once the requests in flight have finished (or a grace
 * period has passed) and holds back new ones until the new listener is up. Without it a request
 * could find its store closed between two of its backend calls.
 */
export class Gate {
  private inFlight = 0;
  private writer: Promise<void> | undefined;
  private drained: (() => void) | undefined;

  async shared<T>(fn: () => Promise<T>): Promise<T> {
    while (this.writer) await this.writer;
    this.inFlight++;
    try {
      return await fn();
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) this.drained?.();
    }
  }

  /** Runs `fn` alone; requests still running after `graceMs` are left to finish or fail on their own. */
  async exclusive<T>(fn: () => Promise<T>, graceMs = 10_000): Promise<T> {
    while (this.writer) await this.writer;
    let release!: () => void;
    this.writer = new Promise<void>((resolve) => (release = resolve));
    try {
      if (this.inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          this.drained = resolve;
          timer = setTimeout(resolve, graceMs);
        });
        clearTimeout(timer);
        this.drained = undefined;
      }
      return await fn();
    } finally {
      this.writer = undefined;
      release();
    }
  }
}
