import { performance } from 'node:perf_hooks';
import { Deadline } from './deadline.js';

/** setTimeout's largest delay; a longer one would fire at once. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * The one timer of a client connection for its calls' request timeouts. A call's deadline is a
 * number kept on the call; the timer is armed for the earliest one, and when it fires `expire`
 * fails the calls whose time is up and names the next deadline. A call made later with the same
 * timeout expires later, so a steady stream of calls makes no timer call at all (a timer per
 * call cost two timer-list updates per call on the hot path).
 */
export class CallDeadlines {
  private timer: Deadline | null = null;
  private armedFor = Number.POSITIVE_INFINITY;
  private stopped = false;

  /** `expire(now)` fails every call due by `now` and returns the earliest deadline left (Infinity: none). */
  constructor(private readonly expire: (now: number) => number) {}

  /** A deadline `ms` from now; returns it, for the call to keep. */
  start(ms: number): number {
    const at = performance.now() + ms;
    if (at < this.armedFor && !this.stopped) this.arm(at);
    return at;
  }

  /** For good: the connection is closed. */
  stop(): void {
    this.stopped = true;
    this.timer?.clear();
    this.timer = null;
    this.armedFor = Number.POSITIVE_INFINITY;
  }

  private arm(at: number): void {
    this.timer?.clear();
    this.armedFor = at;
    // Rounded up: the timer's clock counts whole milliseconds and must not wake before `at`.
    this.timer = new Deadline(Math.min(Math.max(0, Math.ceil(at - performance.now())), MAX_DELAY_MS), this.wake);
  }

  private readonly wake = (): void => {
    this.timer = null;
    this.armedFor = Number.POSITIVE_INFINITY;
    const next = this.expire(performance.now());
    if (next < Number.POSITIVE_INFINITY && !this.stopped) this.arm(next);
  };
}
