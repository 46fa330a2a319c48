import { exponentialDelay } from '../calls/exponential-delay.js';
import type { PenaltyPolicy } from '../config/resolve.js';

export type { PenaltyPolicy };

/** OrderSelector's EXP_BACKOFF_COUNTER_LIMIT: the count, and so the doubling, stops here. */
const MAX_SEQUENTIAL_FAILURES = 16;

/**
 * One host's penalty bookkeeping, on an injectable clock: how long a failed host is left alone,
 * `baseMs` after a first failure, doubled for each consecutive one, capped at `maxMs`. As in Flume's OrderSelector, a failure that comes more than
 * (the previous penalty + `graceMs`) after the previous failure is a first failure again, and the
 * count stops growing at 16. Flume's window is one hour (FLUME-2229): a host that fails every few
 * seconds or minutes is a flapping host and keeps its long exclusions; only one that stayed well
 * for an hour starts again from the first penalty.
 */
export class HostPenalty {
  private failures = 0;
  private lastFailureAt = 0;
  private lastPenaltyMs = 0;
  private excludedUntil = 0;
  /** Bumped by every recorded failure and reset: outcomes of attempts begun before it are stale. */
  private currentEpoch = 0;

  constructor(
    readonly policy: PenaltyPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.policy.baseMs > 0;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** The clock time the host is excluded until; null when it is not excluded now. */
  get until(): number | null {
    return this.enabled && this.excludedUntil > this.now() ? this.excludedUntil : null;
  }

  /** The length of the penalty the last failure earned (ms). */
  get lastPenalty(): number {
    return this.lastPenaltyMs;
  }

  get epoch(): number {
    return this.currentEpoch;
  }

  excluded(): boolean {
    return this.until !== null;
  }

  /** Counts a failure and returns the penalty it earned (ms; 0 when penalties are off). */
  recordFailure(): number {
    const now = this.now();
    const sequential = this.failures > 0 && now - this.lastFailureAt < this.lastPenaltyMs + this.policy.graceMs;
    this.failures = sequential ? Math.min(this.failures + 1, MAX_SEQUENTIAL_FAILURES) : 1;
    this.lastFailureAt = now;
    this.lastPenaltyMs = this.penaltyFor(this.failures);
    this.excludedUntil = now + this.lastPenaltyMs;
    this.currentEpoch += 1;
    return this.lastPenaltyMs;
  }

  recordSuccess(): void {
    if (!this.policy.resetOnSuccess || this.failures === 0) return;
    this.failures = 0;
    this.lastPenaltyMs = 0;
    this.excludedUntil = 0;
    this.currentEpoch += 1;
  }

  /** The penalty of the nth consecutive failure: base x 2^(n-1), capped. */
  penaltyFor(failures: number): number {
    if (!this.enabled || failures < 1) return 0;
    return exponentialDelay({
      baseMs: this.policy.baseMs,
      capMs: this.policy.maxMs,
      attempt: Math.min(failures, MAX_SEQUENTIAL_FAILURES) - 1,
    });
  }
}
