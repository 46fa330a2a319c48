import { performance } from 'node:perf_hooks';
import type { Histogram } from 'hdr-histogram-js';
import { type Event, FlumeRpcError, PartialBatchError, type RpcClient } from '@flume-rpc/rpc-client';
import type { ChaosLedger } from './chaos-ledger.js';
import { newLatencyHistogram } from './open-loop.js';

export interface StreamOptions {
  /** No call starts once this many have started (resends included). */
  maxCalls: number;
  /** No call starts after this long. */
  maxMs: number;
  /** After the stream stops, how long its calls still running may take to settle before they count as hung. */
  settleMs: number;
  /** Workers, each with one call at a time. */
  concurrency: number;
  /** Events per call: 1 sends append, more appendBatch. */
  batchSize: number;
  /** Send a failed call's events again (same ids), as an at-least-once caller does: that is how duplicates arise. */
  resendFailed: boolean;
  /** A worker whose call failed waits this long before its next, so a client failing fast cannot spin. */
  pauseAfterFailureMs: number;
}

export interface StreamResult {
  calls: number;
  acknowledgedCalls: number;
  failedCalls: number;
  /** Calls still running when the settle bound passed: must be 0. */
  unsettled: number;
  /** Failed calls by error class name. */
  errors: Record<string, number>;
  /** Failures that were not a FlumeRpcError: must be 0. */
  untypedErrors: number;
  /** Time of every settled call, microseconds. */
  callUs: Histogram;
  elapsedMs: number;
}

export interface Stream {
  /** Calls settled so far, for a fault schedule that waits for progress. */
  readonly settledCalls: number;
  /** Failed calls by error class name so far. */
  readonly errors: Readonly<Record<string, number>>;
  /** Starts no further call; done still waits for the running ones (up to settleMs). */
  stop(): void;
  readonly done: Promise<StreamResult>;
}

/**
 * A stream of calls on `client`, bounded by count and by time, every event from `ledger` and
 * every acknowledgement recorded in it. Never throws for a failed call: failures are tallied.
 */
export function startStream(client: RpcClient, ledger: ChaosLedger, options: StreamOptions): Stream {
  const started = performance.now();
  const callUs = newLatencyHistogram();
  const errors: Record<string, number> = {};
  const resend: Event[] = [];
  let calls = 0;
  let acknowledgedCalls = 0;
  let failedCalls = 0;
  let untypedErrors = 0;
  let stopped = false;

  const open = (): boolean => !stopped && calls < options.maxCalls && performance.now() - started < options.maxMs;
  const nextEvents = (): Event[] => {
    const again = resend.splice(0, options.batchSize);
    return again.length > 0 ? again : ledger.events(options.batchSize);
  };
  const failed = (events: Event[], err: unknown): void => {
    failedCalls += 1;
    if (!(err instanceof FlumeRpcError)) untypedErrors += 1;
    const name = err instanceof Error ? err.name : typeof err;
    errors[name] = (errors[name] ?? 0) + 1;
    let lost = events;
    if (err instanceof PartialBatchError) {
      ledger.acknowledge(events.slice(0, err.acknowledged));
      lost = events.slice(err.acknowledged);
    }
    if (options.resendFailed) resend.push(...lost);
  };
  const worker = async (): Promise<void> => {
    while (open()) {
      calls += 1;
      const events = nextEvents();
      const t0 = performance.now();
      try {
        await (events.length === 1 ? client.append(events[0]!) : client.appendBatch(events));
        ledger.acknowledge(events);
        acknowledgedCalls += 1;
      } catch (err) {
        failed(events, err);
        if (options.pauseAfterFailureMs > 0) await delay(options.pauseAfterFailureMs);
      } finally {
        callUs.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
      }
    }
  };

  const workers = Promise.all(Array.from({ length: options.concurrency }, worker));
  const done = (async (): Promise<StreamResult> => {
    // The time bound holds even if a call never settles: the workers are raced, not trusted.
    await raceDelay(workers, options.maxMs + options.settleMs);
    stopped = true;
    const settled = acknowledgedCalls + failedCalls;
    return {
      calls,
      acknowledgedCalls,
      failedCalls,
      unsettled: calls - settled,
      errors,
      untypedErrors,
      callUs,
      elapsedMs: performance.now() - started,
    };
  })();
  return {
    get settledCalls() {
      return acknowledgedCalls + failedCalls;
    },
    errors,
    stop: () => {
      stopped = true;
    },
    done,
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits for `promise` or `ms`, whichever is first, leaving no timer behind. */
async function raceDelay(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
