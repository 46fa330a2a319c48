import type { Event } from './event.js';

export interface SendOptions {
  /** Stops waiting for this call; an event already written may still reach the server. */
  signal?: AbortSignal;
  /**
   * This call's whole budget in ms (default: the client's `call-timeout`): queueing, connecting,
   * retries, backoff and the answer. An appendBatch longer than the batch size is one call per
   * batch, each with this budget; the first that fails ends the list.
   */
  timeoutMs?: number;
}

export interface CloseOptions {
  /** Do not wait for calls already written: they reject at once with ClientClosedError (written: true). */
  force?: boolean;
  /** Forces the close when it fires, even while close() is already waiting. */
  signal?: AbortSignal;
}

/**
 * What every client offers, whether it talks to one host or wraps others (failover, load
 * balancing): the same interface all the way up.
 */
export interface RpcClient {
  /** Resolves once the server answered OK; rejects with a typed error otherwise. */
  append(event: Event, options?: SendOptions): Promise<void>;
  /** Sends the events in calls of at most getBatchSize() events, in order. */
  appendBatch(events: Event[], options?: SendOptions): Promise<void>;
  getBatchSize(): number;
  /** False only after close(). */
  isActive(): boolean;
  /**
   * Ends the client promptly: calls not yet written reject at once with ClientClosedError, no
   * connect, handshake or backoff is waited for; calls already written are waited for up to
   * `close-timeout` unless forced. Idempotent; a later call with `force` cuts a close in progress.
   */
  close(options?: CloseOptions): Promise<void>;
}

export interface DeliveryCounters {
  /** Events handed to the client. */
  eventsReceived: number;
  /** Events written to a connection. */
  eventsSent: number;
  /** Events the server answered OK. */
  eventsAcknowledged: number;
  /** Events reported back to the caller as failed. */
  eventsFailed: number;
}
