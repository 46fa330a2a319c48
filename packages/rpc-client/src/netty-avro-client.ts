import { EventEmitter } from 'eventemitter3';
import {
  type AvroFlumeEvent,
  type FlumeRpcError,
  RequestTimeoutError,
  type Transceiver,
} from '@flume-rpc/netty-compat';
import { abortableDelay } from './abortable.js';
import { type ConnectionOptions, type HostAddress, defaultConnectionOptions, validateHost } from './config.js';
import { type ConnectionCounters, ConnectionSupervisor, type SupervisorEvents } from './connection-supervisor.js';
import type { ConnectivityState } from './connectivity.js';
import { type Acknowledge, DeliveryLedger, sendInBatches } from './delivery-ledger.js';
import { ClientClosedError, StatusError } from './errors.js';
import { type Event, toWireEvent, toWireEvents } from './event.js';
import { ConcurrencyLimiter } from './limiter.js';
import type { DeliveryCounters, RpcClient, SendOptions } from './rpc-client.js';

/** The connection's own events (relayed from its supervisor), plus one per failed call. */
export interface NettyAvroRpcClientEvents extends SupervisorEvents {
  /** A call failed; the same error also rejects the call's promise. */
  error: (error: FlumeRpcError) => void;
}

export type NettyAvroRpcClientCounters = DeliveryCounters & ConnectionCounters;

export interface NettyAvroRpcClientOptions extends Partial<ConnectionOptions> {
  host: string;
  port: number;
}

/**
 * A client for one Flume host. Connects lazily on the first call (or at connect()), pipelines up
 * to max-inflight calls, and heals itself: connect and handshake failures are retried with
 * backoff, call failures are reported, and the next call reconnects. Only close() ends it.
 */
export class NettyAvroRpcClient extends EventEmitter<NettyAvroRpcClientEvents> implements RpcClient {
  readonly options: ConnectionOptions;
  readonly host: HostAddress;
  private readonly supervisor: ConnectionSupervisor;
  private readonly limiter: ConcurrencyLimiter;
  private readonly ledger = new DeliveryLedger<DeliveryCounters>({ eventsReceived: 0, eventsSent: 0, eventsAcknowledged: 0, eventsFailed: 0 });
  private closing: Promise<void> | null = null;

  constructor(options: NettyAvroRpcClientOptions | { host: HostAddress; options: ConnectionOptions }) {
    super();
    if (typeof options.host === 'object' && options.host !== null) {
      this.host = validateHost(options.host);
      // Filled in and checked here too: a config built in plain JS may lack fields or hold bad values.
      this.options = defaultConnectionOptions((options as { options?: Partial<ConnectionOptions> }).options ?? {});
    } else {
      const { host, port, ...rest } = options as NettyAvroRpcClientOptions;
      this.host = validateHost({ alias: 'h1', host, port });
      this.options = defaultConnectionOptions(rest);
    }
    this.limiter = new ConcurrencyLimiter(this.options.maxInflight, this.options.maxPending);
    this.supervisor = new ConnectionSupervisor(this.host, this.options);
    for (const name of ['state', 'connect', 'handshake', 'ready', 'disconnect', 'retry'] as const) {
      this.supervisor.on(name, (...args: unknown[]) => (this.emit as (n: string, ...a: unknown[]) => boolean)(name, ...args));
    }
  }

  get address(): string {
    return this.supervisor.address;
  }

  get state(): ConnectivityState {
    return this.supervisor.state;
  }

  /** Delivery and connection counters, as of now. */
  get counters(): Readonly<NettyAvroRpcClientCounters> {
    return { ...this.ledger.counters, ...this.supervisor.counters };
  }

  /** Connects and handshakes now (with retries), like Java's factory does; rejects if that fails. */
  async connect(signal?: AbortSignal): Promise<void> {
    await this.supervisor.obtain(signal);
  }

  getBatchSize(): number {
    return this.options.batchSize;
  }

  isActive(): boolean {
    return this.closing === null;
  }

  append(event: Event, options: SendOptions = {}): Promise<void> {
    return this.track(1, () => this.sendOne([toWireEvent(event, 0)], 'append', options.signal));
  }

  appendBatch(events: Event[], options: SendOptions = {}): Promise<void> {
    const count = Array.isArray(events) ? events.length : 0;
    return this.track(count, (acknowledge) =>
      sendInBatches(toWireEvents(events), this.options.batchSize, (chunk) => this.sendOne(chunk, 'appendBatch', options.signal), acknowledge),
    );
  }

  close(): Promise<void> {
    this.closing ??= this.drainThenShutdown();
    return this.closing;
  }

  private async drainThenShutdown(): Promise<void> {
    const deadline = new AbortController();
    await Promise.race([
      Promise.allSettled(this.ledger.calls),
      abortableDelay(this.options.requestTimeoutMs, deadline.signal).catch(() => undefined),
    ]);
    deadline.abort();
    this.supervisor.shutdown();
    await Promise.allSettled(this.ledger.calls);
  }

  /** Every event handed over ends up acknowledged or failed; every failure is also emitted as 'error'. */
  private track(events: number, run: (acknowledge: Acknowledge) => Promise<void>): Promise<void> {
    if (this.closing) return Promise.reject(new ClientClosedError(`Client for ${this.address} is closed`));
    return this.ledger.track(events, run, (error) => this.emit('error', error));
  }

  /** One call on the wire: waits for a slot and a ready connection, then sends and checks the status. */
  private async sendOne(events: AvroFlumeEvent[], message: 'append' | 'appendBatch', signal?: AbortSignal): Promise<void> {
    const release = await this.limiter.acquire(signal);
    try {
      const transceiver = await this.supervisor.obtain(signal);
      this.ledger.counters.eventsSent += events.length;
      // Counted, not timed: a millisecond timestamp cannot order an answer stamped in the very
      // millisecond of the write (typically the handshake's, right before the first call).
      const answeredBeforeWrite = transceiver.responsesReceived;
      const status = await this.call(transceiver, events, message, signal).catch((err: unknown) => {
        // A timeout with no answer at all since the write means the connection is stalled: drop it.
        if (err instanceof RequestTimeoutError && transceiver.responsesReceived === answeredBeforeWrite) {
          transceiver.close('closed: no answer within the request timeout');
        }
        throw err;
      });
      if (status !== 'OK') throw new StatusError(status, this.address, events.length);
    } finally {
      release();
    }
  }

  private call(transceiver: Transceiver, events: AvroFlumeEvent[], message: 'append' | 'appendBatch', signal?: AbortSignal): Promise<string> {
    return message === 'append' ? transceiver.append(events[0]!, { signal }) : transceiver.appendBatch(events, { signal });
  }
}
