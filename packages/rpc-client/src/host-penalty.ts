/**
 * How long a failed host is left alone: `baseMs` after a first failure, doubled for each
 * consecutive one (1 s, 2 s, 4 s ... with the default base), capped at `maxMs`. As in Flume's
 * OrderSelector, a failure that comes more than (the previous penalty + `graceMs`) after the
 * previous failure is a first failure again, so a host that failed once an hour ago is not
 * punished as if it had been failing all along.
 */
export interface PenaltyPolicy {
  /** The first penalty (ms). 0 turns penalties off: failures are counted but exclude nothing. */
  baseMs: number;
  /** The longest penalty (ms). */
  maxMs: number;
  /** Flume's CONSIDER_SEQUENTIAL_RANGE (2000 ms). */
  graceMs: number;
  /** A success starts the count again (failover: yes; Flume's load balancer: no, only time does). */
  resetOnSuccess: boolean;
}

export const DEFAULT_PENALTY_BASE_MS = 1000;
export const DEFAULT_PENALTY_GRACE_MS = 2000;

/** 2^30 x base overflows nothing and is beyond any sane cap. */
const MAX_DOUBLINGS = 30;

/** One host's penalty bookkeeping, on an injectable clock. */
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
    this.failures = sequential ? this.failures + 1 : 1;
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
    return Math.min(this.policy.maxMs, this.policy.baseMs * 2 ** Math.min(failures - 1, MAX_DOUBLINGS));
  }
}
