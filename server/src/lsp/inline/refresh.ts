/**
 * Calls `send` at most once per `minIntervalMs`: the first request after a quiet spell goes out
 * at once, requests inside the interval fold into one sent when it ends. A training loop that
 * logs every millisecond thus asks the editor for new code lenses no more than every ~2 s.
 */
export class CalmRefresher {
  private readonly send: () => void;
  private readonly minIntervalMs: number;
  private last = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(send: () => void, minIntervalMs: number) {
    this.send = send;
    this.minIntervalMs = minIntervalMs;
  }

  request(): void {
    if (this.disposed || this.timer) return;
    const wait = this.last + this.minIntervalMs - performance.now();
    if (wait <= 0) this.fire();
    else this.timer = setTimeout(() => this.fire(), Math.ceil(wait));
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fire(): void {
    this.timer = undefined;
    if (this.disposed) return;
    this.last = performance.now();
    this.send();
  }
}
