import { exponentialDelay } from '../calls/exponential-delay.js';

/**
 * The whole retry-delay policy in one place: exponential growth from `initialMs`, capped at
 * `maxMs`, with +/- `jitter` spread so clients that failed together do not retry together.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  multiplier?: number;
  /** Fraction of the delay randomised either way (0.2: between 80% and 120%, still capped). */
  jitter?: number;
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly multiplier: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions) {
    this.multiplier = options.multiplier ?? 2;
    this.jitter = options.jitter ?? 0.2;
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt; each call grows the following one. */
  next(): number {
    const { initialMs, maxMs } = this.options;
    const delay = exponentialDelay({
      baseMs: initialMs,
      factor: this.multiplier,
      capMs: maxMs,
      attempt: this.attempt,
      jitter: this.jitter,
      random: this.random,
    });
    // Once at the cap the count stops: a client retrying for days keeps a small exponent.
    if (initialMs * this.multiplier ** this.attempt < maxMs) this.attempt += 1;
    return delay;
  }

  /** After a success: the next failure starts from the initial delay again. */
  reset(): void {
    this.attempt = 0;
  }
}
