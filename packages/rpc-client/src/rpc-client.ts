import type { FlumeRpcError, HandshakeMatch } from '@flume-rpc/netty-compat';
import type { ConnectivityState } from './client/connectivity.js';
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
  /**
   * Connects and handshakes now (with the client's retries), as Java's factory does; rejects with
   * the last failure (a multi-host client: with AllHostsFailedError when no host answers). Calls
   * connect on their own when needed, so this is only for failing early.
   */
  connect(signal?: AbortSignal): Promise<void>;
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
  /** A snapshot of the client's counters. */
  readonly counters: Readonly<ClientCounters>;
  // One overload per event, not one generic signature: a client with more events (failover,
  // load balancing) is then still an RpcClient, since each overload is checked for one event.
  on(event: 'error', listener: RpcClientEvents['error']): this;
  on(event: 'state', listener: RpcClientEvents['state']): this;
  on(event: 'connect', listener: RpcClientEvents['connect']): this;
  on(event: 'handshake', listener: RpcClientEvents['handshake']): this;
  on(event: 'ready', listener: RpcClientEvents['ready']): this;
  on(event: 'disconnect', listener: RpcClientEvents['disconnect']): this;
  on(event: 'retry', listener: RpcClientEvents['retry']): this;
  once(event: 'error', listener: RpcClientEvents['error']): this;
  once(event: 'state', listener: RpcClientEvents['state']): this;
  once(event: 'connect', listener: RpcClientEvents['connect']): this;
  once(event: 'handshake', listener: RpcClientEvents['handshake']): this;
  once(event: 'ready', listener: RpcClientEvents['ready']): this;
  once(event: 'disconnect', listener: RpcClientEvents['disconnect']): this;
  once(event: 'retry', listener: RpcClientEvents['retry']): this;
  off(event: 'error', listener?: RpcClientEvents['error']): this;
  off(event: 'state', listener?: RpcClientEvents['state']): this;
  off(event: 'connect', listener?: RpcClientEvents['connect']): this;
  off(event: 'handshake', listener?: RpcClientEvents['handshake']): this;
  off(event: 'ready', listener?: RpcClientEvents['ready']): this;
  off(event: 'disconnect', listener?: RpcClientEvents['disconnect']): this;
  off(event: 'retry', listener?: RpcClientEvents['retry']): this;
}

/** One connect and handshake attempt failed; the next starts after `delayMs`. */
export interface RetryInfo {
  /** 1 for the first retry. */
  attempt: number;
  /** The attempts this round makes at most: max-retries + 1. */
  attempts: number;
  delayMs: number;
  cause: FlumeRpcError;
}

/**
 * The events every client emits (eventemitter3: an 'error' without a listener does not throw).
 * Every event but 'error' is about one host's connection and names it by its address (host:port)
 * as its last argument; a multi-host client forwards them from each host's current connection.
 * docs/recovery.md gives their order.
 */
export interface RpcClientEvents {
  /** A call failed (after every host it tried, for a multi-host client); the same error rejects the call. */
  error: (error: FlumeRpcError) => void;
  /** The host's connectivity changed. */
  state: (state: ConnectivityState, previous: ConnectivityState, address: string) => void;
  /** TCP (and TLS) connected; the handshake starts. */
  connect: (address: string) => void;
  /** The server answered the handshake. */
  handshake: (match: HandshakeMatch, address: string) => void;
  /** The connection is ready; waiting calls proceed. */
  ready: (address: string) => void;
  /** A connection that had been ready closed. */
  disconnect: (address: string, cause: FlumeRpcError) => void;
  /** A connect or handshake attempt failed and is retried after `info.delayMs`. */
  retry: (info: RetryInfo, address: string) => void;
}

/** The events of RpcClientEvents about one host's connection: a client relays them from its connection, a multi-host client from each host. */
export type ConnectionEventName = Exclude<keyof RpcClientEvents, 'error'>;
export const CONNECTION_EVENTS: readonly ConnectionEventName[] = Object.freeze([
  'state',
  'connect',
  'handshake',
  'ready',
  'disconnect',
  'retry',
]);

/**
 * The counters of every client, as one shape. A single-host client never resends events
 * (eventsRetried is 0); a multi-host client sums the connection counters of its hosts and adds
 * each host's own counters under `hosts`.
 */
export interface ClientCounters {
  /** Events handed to append / appendBatch (while the client was open). */
  eventsReceived: number;
  /** Events written to a connection (for a multi-host client: resends to another host included). */
  eventsSent: number;
  /** Events the server answered OK. */
  eventsAcknowledged: number;
  /** Events reported back to the caller as failed. */
  eventsFailed: number;
  /**
   * Events sent to a host after an earlier host failed them in the same call. Those the earlier
   * host had in fact committed (its answer was lost) arrive twice: an upper bound on duplicates.
   */
  eventsRetried: number;
  /** Attempts (one batch or connect on one host) that failed; for a multi-host client the call may still have succeeded elsewhere. */
  hostFailures: number;
  /** Connections that completed the handshake. */
  connectionsOpened: number;
  /** Connections opened after the first, resets included. */
  reconnects: number;
  /** Connections replaced because reset-connection-interval elapsed. */
  connectionResets: number;
  /** Connect attempts that failed otherwise than by the handshake. */
  connectFailures: number;
  /** Attempts that failed by HandshakeTimeoutError or HandshakeError. */
  handshakeFailures: number;
  /** Multi-host clients: each host's counters by alias, summed over every client the host has had. */
  hosts?: Readonly<Record<string, Readonly<ClientCounters>>>;
}

/** The delivery half of ClientCounters, kept by DeliveryLedger (not public). */
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
