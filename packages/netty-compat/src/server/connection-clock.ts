import { performance } from 'node:perf_hooks';
import type { ServerTimeout } from './server-errors.js';

/** setTimeout's largest delay; a longer one would fire at once. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * The one timer of a server connection, for its handshake, idle and frame-read bounds. Moving a
 * deadline is a number stored, never a timer call, so the data path costs a clock read: the timer
 * wakes at the deadline or after `horizonMs` (the shortest bound that can follow: idle or frame
 * read), whichever is first, and rearms itself if the deadline moved. Every deadline set later is
 * at least `horizonMs` away, so the armed wake-up is never too late for it. A quiet connection
 * thus costs one wake-up per horizon.
 */
export class ConnectionClock {
  private timer: NodeJS.Timeout | null = null;
  private bound: ServerTimeout | null = null;
  private boundMs = 0;
  private deadline = Number.POSITIVE_INFINITY;

  constructor(
    private readonly horizonMs: number,
    private readonly onExpiry: (bound: ServerTimeout, ms: number) => void,
  ) {}

  get current(): ServerTimeout | null {
    return this.bound;
  }

  /** `bound` expires `ms` from now (Infinity: never); replaces the bound running before. */
  set(bound: ServerTimeout, ms: number): void {
    this.bound = bound;
    this.boundMs = ms;
    this.deadline = performance.now() + ms;
    if (this.timer === null) this.arm();
  }

  /** No bound runs (a call is being answered); the timer, if armed, wakes once and finds nothing. */
  clear(): void {
    this.bound = null;
    this.deadline = Number.POSITIVE_INFINITY;
  }

  /** For good: the connection is closing. */
  stop(): void {
    this.clear();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    const delay = Math.min(this.deadline - performance.now(), this.horizonMs, MAX_DELAY_MS);
    if (!(delay < Number.POSITIVE_INFINITY)) return;
    this.timer = setTimeout(() => this.wake(), Math.max(0, delay));
    // A connection's socket keeps the process alive; its timer need not.
    this.timer.unref();
  }

  private wake(): void {
    this.timer = null;
    if (this.bound === null) return;
    if (performance.now() >= this.deadline) {
      const bound = this.bound;
      this.stop();
      this.onExpiry(bound, this.boundMs);
      return;
    }
    this.arm();
  }
}
