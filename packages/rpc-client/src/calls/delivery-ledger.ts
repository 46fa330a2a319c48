import type { AvroFlumeEvent, FlumeRpcError } from '@flume-rpc/netty-compat';
import { PartialBatchError, asFlumeError } from '../errors.js';
import type { ClientCounters, DeliveryCounters } from '../rpc-client.js';

/** Counts events in as they are acknowledged, so a failure later in the same call leaves them counted. */
export type Acknowledge = (events: number) => void;

/**
 * The accounting every client shares: each event handed over ends up acknowledged or failed,
 * and the calls still running are known, so close() can wait for them.
 */
/** What a ledger counts: the delivery counters, and the two only a multi-host client moves from 0. */
export type LedgerCounters = DeliveryCounters & Pick<ClientCounters, 'eventsRetried' | 'hostFailures'>;

export function zeroLedgerCounters(): LedgerCounters {
  return {
    eventsReceived: 0,
    eventsSent: 0,
    eventsAcknowledged: 0,
    eventsFailed: 0,
    eventsRetried: 0,
    hostFailures: 0,
  };
}

export class DeliveryLedger {
  private readonly running = new Set<Promise<unknown>>();
  readonly counters: LedgerCounters = zeroLedgerCounters();

  /** Calls still running, for close() to wait on. */
  get calls(): Promise<unknown>[] {
    return [...this.running];
  }

  /**
   * Runs one call of `events` events. What `run` acknowledges is counted as it happens; on
   * success the rest is acknowledged, on failure the rest is failed and `onError` hears of it.
   */
  track(
    events: number,
    run: (acknowledge: Acknowledge) => Promise<void>,
    onError?: (error: FlumeRpcError) => void,
  ): Promise<void> {
    this.counters.eventsReceived += events;
    let acknowledged = 0;
    const acknowledge: Acknowledge = (n) => {
      acknowledged += n;
      this.counters.eventsAcknowledged += n;
    };
    let started: Promise<void>;
    try {
      started = run(acknowledge);
    } catch (err) {
      started = Promise.reject(err);
    }
    const call = started.then(
      () => acknowledge(events - acknowledged),
      (err: unknown) => {
        const error = asFlumeError(err);
        this.counters.eventsFailed += events - acknowledged;
        onError?.(error);
        throw error;
      },
    );
    this.running.add(call);
    const forget = (): void => {
      this.running.delete(call);
    };
    call.then(forget, forget);
    return call;
  }
}

/**
 * Sends `events` in calls of at most `batchSize`, in order, one after another, as Flume's
 * clients do. A failure after some calls succeeded is a PartialBatchError saying how many got
 * through; a failure of the first call is its own error.
 */
export async function sendInBatches(
  events: AvroFlumeEvent[],
  batchSize: number,
  send: (chunk: AvroFlumeEvent[]) => Promise<void>,
  acknowledge: Acknowledge,
): Promise<void> {
  let acknowledged = 0;
  for (let start = 0; start < events.length; start += batchSize) {
    const chunk = events.slice(start, start + batchSize);
    try {
      await send(chunk);
    } catch (err) {
      const error = asFlumeError(err);
      throw acknowledged > 0 ? new PartialBatchError(acknowledged, events.length - acknowledged, error) : error;
    }
    acknowledged += chunk.length;
    acknowledge(chunk.length);
  }
}
