import type { Event } from './event.js';

export interface SendOptions {
  /** Stops waiting for this call; an event already written may still reach the server. */
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
  /** Waits for calls in flight (up to the request timeout), then releases everything. Idempotent. */
  close(): Promise<void>;
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
