import type { FlumeRpcError } from '@flume-rpc/netty-compat';
import { PartialBatchError, asFlumeError } from '../errors.js';
import type { ClientCounters, DeliveryCounters } from '../rpc-client.js';
import { CallCount } from './call-count.js';

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
  private readonly running = new CallCount();
  readonly counters: LedgerCounters = zeroLedgerCounters();

  /** Resolves once every call tracked so far has settled, for close() to wait on. */
  settled(): Promise<void> {
    return this.running.drained();
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
    this.running.begin();
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
      () => {
        acknowledge(events - acknowledged);
        this.running.end();
      },
      (err: unknown) => {
        const error = asFlumeError(err);
        this.counters.eventsFailed += events - acknowledged;
        this.running.end();
        onError?.(error);
        throw error;
      },
    );
    // A caller that drops the promise must not crash the process with an unhandled rejection:
    // the failure is counted, and emitted as 'error', all the same.
    call.catch(ignoreRejection);
    return call;
  }
}

const ignoreRejection = (): void => undefined;

/** A list of events sendInBatches can cut: an array, or an EventBatch (whose parts are batches). */
export interface Sliceable<Part> {
  readonly length: number;
  slice(start: number, end: number): Part;
}

/**
 * Sends `events` in calls of at most `batchSize`, in order, one after another, as Flume's
 * clients do. A failure after some calls succeeded is a PartialBatchError saying how many got
 * through; a failure of the first call is its own error. `events` is the caller's own copy: a
 * batch that fits in one call is sent as it is (most are), without another copy or promise.
 */
export function sendInBatches<Events extends Sliceable<Events>>(
  events: Events,
  batchSize: number,
  send: (chunk: Events) => Promise<void>,
  acknowledge: Acknowledge,
): Promise<void> {
  if (events.length > 0 && events.length <= batchSize) return send(events);
  return sendChunks(events, batchSize, send, acknowledge);
}

async function sendChunks<Events extends Sliceable<Events>>(
  events: Events,
  batchSize: number,
  send: (chunk: Events) => Promise<void>,
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
