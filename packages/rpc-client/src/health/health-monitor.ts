/**
 * Watches one Flume agent's health through its HTTP monitoring (`GET /metrics`): a host whose
 * channel is nearly full, or whose metrics cannot be read several times in a row, is unhealthy,
 * so the multi-host clients can prefer other hosts before calls start failing.
 */
import { describe } from '@flume-rpc/netty-compat';
import { judgeChannels, standingDespiteFailure, unreachable, type Verdict } from './health-verdict.js';
import { MetricsFetcher, MetricsRequestError } from './metrics-fetcher.js';
import { readChannelFill } from './metrics-reading.js';

export interface HealthMonitorOptions {
  /** The agent's monitoring document, e.g. http://agent:41414/metrics. */
  url: string;
  /** Pause between the end of one poll and the start of the next. */
  intervalMs: number;
  /** Bound on one whole poll: connect, headers and body. */
  timeoutMs: number;
  /** Percent; a channel filled strictly above it makes the host unhealthy. */
  maxChannelFill: number;
  /** Failed polls in a row before the host counts as unhealthy (default 3). */
  failuresBeforeUnhealthy?: number;
  /** Largest /metrics body read (default 4 MiB); a larger one is a failed poll. */
  maxBodyBytes?: number;
  /** Called after every poll; `changed` when `healthy` flipped (and for the first reading). Must not throw. */
  onReading?: (reading: HealthReading, changed: boolean) => void;
  now?: () => number;
}

export interface HealthReading {
  url: string;
  /** When the poll ended (the `now` clock, ms). */
  at: number;
  healthy: boolean;
  /** Channel name → fill percent, from the last successful poll ({} before one). */
  channels: Record<string, number>;
  /** The highest fill of the last successful poll; null when it had no channel (or before one). */
  maxFill: number | null;
  consecutiveFailures: number;
  /** Why this poll failed; null when it succeeded. */
  error: string | null;
  /** Why the host is healthy or not, in one line. */
  reason: string;
}

export const DEFAULT_FAILURES_BEFORE_UNHEALTHY = 3;
export const DEFAULT_MAX_METRICS_BODY_BYTES = 4 * 1024 * 1024;

type PollOutcome = { ok: true; fill: Map<string, number> } | { ok: false; error: string };

export class HealthMonitor {
  private readonly fetcher: MetricsFetcher;
  private readonly failuresBeforeUnhealthy: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: AbortController | null = null;
  private started = false;
  private stopping: Promise<void> | null = null;
  /** The verdict of the last successful poll, which a few failed polls do not overturn. */
  private standing: Verdict = { healthy: true, reason: 'no successful poll yet' };
  private channels: Record<string, number> = {};
  private maxFill: number | null = null;
  private consecutiveFailures = 0;
  private last: HealthReading | null = null;

  constructor(private readonly options: HealthMonitorOptions) {
    requireNumber('intervalMs', options.intervalMs, 0);
    requireNumber('timeoutMs', options.timeoutMs, 1);
    requireNumber('maxChannelFill', options.maxChannelFill, 0);
    this.failuresBeforeUnhealthy = options.failuresBeforeUnhealthy ?? DEFAULT_FAILURES_BEFORE_UNHEALTHY;
    if (!Number.isInteger(this.failuresBeforeUnhealthy) || this.failuresBeforeUnhealthy < 1) {
      throw new RangeError(`failuresBeforeUnhealthy must be an integer >= 1, got ${this.failuresBeforeUnhealthy}`);
    }
    this.now = options.now ?? Date.now;
    this.fetcher = new MetricsFetcher({
      url: options.url,
      timeoutMs: options.timeoutMs,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_METRICS_BODY_BYTES,
    });
  }

  /** The last reading; null until the first poll has ended. */
  get reading(): HealthReading | null {
    return this.last;
  }

  /** True until a poll's verdict says otherwise. */
  get healthy(): boolean {
    return this.last?.healthy ?? true;
  }

  /** Polls at once, then intervalMs after each poll ends. Calling it again, or after stop(), does nothing. */
  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    this.pollThenSchedule();
  }

  /**
   * Stops for good: no request is made and onReading is not called after this. Aborts the poll in
   * flight and destroys the connection; resolves once it is closed (never waits for the server).
   */
  stop(): Promise<void> {
    if (!this.stopping) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.inFlight?.abort(new MetricsRequestError(`Health monitor for ${this.options.url} stopped`));
      this.stopping = this.fetcher.destroy();
    }
    return this.stopping;
  }

  private pollThenSchedule(): void {
    this.timer = null;
    void this.poll().then((outcome) => {
      if (this.stopping) return;
      const reading = this.record(outcome);
      // Scheduled before onReading runs, so a throwing callback does not end the polling.
      this.timer = setTimeout(() => this.pollThenSchedule(), this.options.intervalMs).unref();
      this.deliver(reading.reading, reading.changed);
    });
  }

  /** One bounded GET and its reading; never rejects. */
  private async poll(): Promise<PollOutcome> {
    const controller = new AbortController();
    this.inFlight = controller;
    const { timeoutMs, url } = this.options;
    const timeout = setTimeout(
      () => controller.abort(new MetricsRequestError(`GET ${url} timed out after ${timeoutMs}ms`)),
      timeoutMs,
    ).unref();
    try {
      return { ok: true, fill: readChannelFill(await this.fetcher.fetch(controller.signal)) };
    } catch (error) {
      return { ok: false, error: describe(error) };
    } finally {
      clearTimeout(timeout);
      this.inFlight = null;
    }
  }

  private record(outcome: PollOutcome): { reading: HealthReading; changed: boolean } {
    let verdict: Verdict;
    if (outcome.ok) {
      this.consecutiveFailures = 0;
      this.channels = Object.fromEntries(outcome.fill);
      this.maxFill = outcome.fill.size === 0 ? null : Math.max(...outcome.fill.values());
      this.standing = judgeChannels(outcome.fill, this.options.maxChannelFill);
      verdict = this.standing;
    } else {
      this.consecutiveFailures += 1;
      verdict =
        this.consecutiveFailures >= this.failuresBeforeUnhealthy
          ? unreachable(this.consecutiveFailures, outcome.error)
          : {
              healthy: this.standing.healthy,
              reason: standingDespiteFailure(
                this.standing,
                this.consecutiveFailures,
                this.failuresBeforeUnhealthy,
                outcome.error,
              ),
            };
    }
    const changed = this.last === null || this.last.healthy !== verdict.healthy;
    this.last = {
      url: this.options.url,
      at: this.now(),
      healthy: verdict.healthy,
      channels: { ...this.channels },
      maxFill: this.maxFill,
      consecutiveFailures: this.consecutiveFailures,
      error: outcome.ok ? null : outcome.error,
      reason: verdict.reason,
    };
    return { reading: this.last, changed };
  }

  /** A throwing callback surfaces as an uncaught exception, as an event listener's would, not as a lost rejection. */
  private deliver(reading: HealthReading, changed: boolean): void {
    try {
      this.options.onReading?.(reading, changed);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

function requireNumber(name: string, value: number, min: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new RangeError(`${name} must be a finite number >= ${min}, got ${String(value)}`);
  }
}
