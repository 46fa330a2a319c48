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
  private nextBaseMs: number;
  private readonly multiplier: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions) {
    this.multiplier = options.multiplier ?? 2;
    this.jitter = options.jitter ?? 0.2;
    this.random = options.random ?? Math.random;
    this.nextBaseMs = options.initialMs;
  }

  /** The delay before the next attempt; each call grows the following one. */
  next(): number {
    const base = this.nextBaseMs;
    this.nextBaseMs = Math.min(this.options.maxMs, base * this.multiplier);
    const spread = base * this.jitter * (this.random() * 2 - 1);
    return Math.max(0, Math.min(this.options.maxMs, Math.round(base + spread)));
  }

  /** After a success: the next failure starts from the initial delay again. */
  reset(): void {
    this.nextBaseMs = this.options.initialMs;
  }
}
