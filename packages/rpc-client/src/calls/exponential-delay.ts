/** One exponential delay: what `Backoff` (retries of one connection) and `HostPenalty` (cool-downs of a host) both compute. */
export interface ExponentialDelayOptions {
  /** The first delay (ms); 0 or less: every delay is 0. */
  baseMs: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** The longest delay (ms), jitter included. */
  capMs: number;
  /** 0 for the first delay, 1 for the next ... */
  attempt: number;
  /** Fraction of the delay randomised either way (0.2: between 80% and 120%, still capped); default 0. */
  jitter?: number;
  random?: () => number;
}

/** `baseMs x factor^attempt`, capped at `capMs`, +/- `jitter`, rounded to a whole ms, never negative. Pure but for `random`. */
export function exponentialDelay({
  baseMs,
  factor = 2,
  capMs,
  attempt,
  jitter = 0,
  random = Math.random,
}: ExponentialDelayOptions): number {
  // base 0 stays 0 however many attempts (0 x Infinity would be NaN).
  const stepMs = baseMs > 0 ? Math.min(capMs, baseMs * factor ** attempt) : 0;
  const spreadMs = jitter === 0 ? 0 : stepMs * jitter * (random() * 2 - 1);
  return Math.max(0, Math.min(capMs, Math.round(stepMs + spreadMs)));
}
