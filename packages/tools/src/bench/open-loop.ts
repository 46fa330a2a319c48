import { performance } from 'node:perf_hooks';
import { type Histogram, build } from 'hdr-histogram-js';
import { describe } from '@flume-rpc/netty-compat';

export interface OpenLoopOptions {
  /** Sends per second, on a fixed schedule whatever the completions do. */
  ratePerSecond: number;
  /** Length of the schedule; it holds ratePerSecond * durationMs / 1000 sends, no more. */
  durationMs: number;
  /** Bound on waiting for outstanding sends after the last one was issued. */
  drainTimeoutMs: number;
}

export interface OpenLoopResult {
  scheduled: number;
  completed: number;
  failed: number;
  /** Sends neither completed nor failed when the drain bound ran out. */
  outstanding: number;
  /** From each send's slot in the schedule to its completion, in microseconds (completed sends only). */
  responseUs: Histogram;
  /** From the moment the call was actually made to its completion: the figure coordinated omission would report. */
  serviceUs: Histogram;
  /** How late the latest send was issued after its slot (a blocked event loop shows here). */
  maxIssueLagMs: number;
  /** From the first slot to the last completion. */
  elapsedMs: number;
  firstError: string | null;
}

// Microseconds up to 60 s at 3 significant digits; longer values are clamped (the request timeout ends calls long before).
const HIGHEST_US = 60_000_000;

export function newLatencyHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
  });
}

/**
 * Issues `send` at fixed intervals (open loop). A timer wakes at each slot; when it wakes late it
 * issues every send whose slot has passed, and each send's latency is taken from its slot, not
 * from when it went out, so a stall of the client (GC, a blocked loop, a full pipeline) counts in
 * the figures instead of quietly lowering the offered load: no coordinated omission.
 */
export function runOpenLoop(send: () => Promise<void>, options: OpenLoopOptions): Promise<OpenLoopResult> {
  const intervalMs = 1000 / options.ratePerSecond;
  const scheduled = Math.max(1, Math.round((options.ratePerSecond * options.durationMs) / 1000));
  const responseUs = newLatencyHistogram();
  const serviceUs = newLatencyHistogram();
  return new Promise((resolve) => {
    let issued = 0;
    let completed = 0;
    let failed = 0;
    let outstanding = 0;
    let maxIssueLagMs = 0;
    let lastCompletion = 0;
    let firstError: string | null = null;
    let tickTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let finished = false;
    const start = performance.now();

    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(tickTimer);
      clearTimeout(drainTimer);
      const elapsedMs = (lastCompletion > 0 ? lastCompletion : performance.now()) - start;
      resolve({
        scheduled,
        completed,
        failed,
        outstanding,
        responseUs,
        serviceUs,
        maxIssueLagMs,
        elapsedMs,
        firstError,
      });
    };

    const settle = (slot: number, actual: number, error: unknown): void => {
      outstanding -= 1;
      if (finished) return;
      const now = performance.now();
      lastCompletion = now;
      if (error === null) {
        completed += 1;
        responseUs.recordValue(toMicros(now - slot));
        serviceUs.recordValue(toMicros(now - actual));
      } else {
        failed += 1;
        firstError ??= describe(error);
      }
      if (issued === scheduled && outstanding === 0) finish();
    };

    const issue = (slot: number): void => {
      const actual = performance.now();
      maxIssueLagMs = Math.max(maxIssueLagMs, actual - slot);
      issued += 1;
      outstanding += 1;
      let call: Promise<void>;
      try {
        call = send();
      } catch (err) {
        call = Promise.reject(err);
      }
      call.then(
        () => settle(slot, actual, null),
        (err: unknown) => settle(slot, actual, err ?? new Error('send failed')),
      );
    };

    const tick = (): void => {
      const now = performance.now();
      // Bounded by `scheduled`: a late wake-up catches up on the missed slots, never more.
      while (issued < scheduled && start + issued * intervalMs <= now) issue(start + issued * intervalMs);
      if (issued < scheduled) {
        tickTimer = setTimeout(tick, Math.max(0, start + issued * intervalMs - performance.now()));
        return;
      }
      if (outstanding === 0) finish();
      else drainTimer = setTimeout(finish, options.drainTimeoutMs);
    };
    tick();
  });
}

function toMicros(ms: number): number {
  return Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000)));
}
