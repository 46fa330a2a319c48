import { EventEmitter } from 'eventemitter3';
import {
  AbortError,
  EventBatch,
  ConnectionClosedError,
  RequestTimeoutError,
  type Transceiver,
} from '@flume-rpc/netty-compat';
import { forceCloseWhen, settleWithin } from '../calls/abortable.js';
import { type AppendsChecked, appendChecked } from '../calls/append-checked.js';
import { CallBudget, callBudgetMs } from '../calls/call-budget.js';
import type { ConnectionOptions, HostAddress } from '../config/config.js';
import {
  type ResolvedConnectionOptions,
  type ResolvedDefaultOptions,
  resolveDefaultOptions,
} from '../config/resolve.js';
import { ConnectionSupervisor } from './connection-supervisor.js';
import type { ConnectivityState } from './connectivity.js';
import { type Acknowledge, DeliveryLedger, sendInBatches } from '../calls/delivery-ledger.js';
import { CallTimeoutError, ClientClosedError, StatusError } from '../errors.js';
import { type Event, toEventBatch, toWireEvent } from '../event.js';
import { ConcurrencyLimiter } from '../calls/limiter.js';
import {
  type ClientCounters,
  type CloseOptions,
  CONNECTION_EVENTS,
  type RpcClient,
  type RpcClientEvents,
  type SendOptions,
} from '../rpc-client.js';
import { CallCount } from '../calls/call-count.js';

export interface NettyAvroRpcClientOptions extends Partial<ConnectionOptions> {
  host: string;
  port: number;
}

/**
 * A client for one Flume host. Connects lazily on the first call (or at connect()), pipelines up
 * to max-inflight calls, and heals itself: connect and handshake failures are retried with
 * backoff, call failures are reported, and the next call reconnects. Only close() ends it.
 */
export class NettyAvroRpcClient extends EventEmitter<RpcClientEvents> implements RpcClient, AppendsChecked {
  readonly options: ResolvedConnectionOptions;
  readonly host: HostAddress;
  private readonly supervisor: ConnectionSupervisor;
  private readonly limiter: ConcurrencyLimiter;
  // One host: eventsRetried stays 0, nothing is ever resent elsewhere.
  private readonly ledger = new DeliveryLedger();
  /** Calls written and not yet answered: close() waits for these (up to close-timeout). */
  private readonly written = new CallCount();
  /** Fires when close is forced: written calls are no longer waited for. */
  private readonly forced = new AbortController();
  private closing: Promise<void> | null = null;

  constructor(
    options: NettyAvroRpcClientOptions | { host: HostAddress; options: ConnectionOptions } | ResolvedDefaultOptions,
  ) {
    super();
    // Resolved here, once, unless a failover or load-balancing client hands over its host's resolved options.
    const resolved =
      typeof options.host === 'object' && options.host !== null
        ? resolveDefaultOptions(options as { host: HostAddress; options?: Partial<ConnectionOptions> })
        : resolveDefaultOptions(splitHost(options as NettyAvroRpcClientOptions));
    this.host = resolved.host;
    this.options = resolved.options;
    this.limiter = new ConcurrencyLimiter(this.options.maxInflight, this.options.maxPending);
    this.supervisor = new ConnectionSupervisor(this.host, this.options);
    for (const name of CONNECTION_EVENTS) {
      this.supervisor.on(name, (...args: unknown[]) =>
        (this.emit as (n: string, ...a: unknown[]) => boolean)(name, ...args),
      );
    }
  }

  get address(): string {
    return this.supervisor.address;
  }

  get state(): ConnectivityState {
    return this.supervisor.state;
  }

  /** Delivery and connection counters, as of now. */
  get counters(): Readonly<ClientCounters> {
    return { ...this.ledger.counters, ...this.supervisor.counters };
  }

  /** Connects and handshakes now (with retries), like Java's factory does; rejects if that fails. */
  async connect(signal?: AbortSignal): Promise<void> {
    try {
      await this.supervisor.obtain(signal);
    } catch (err) {
      this.countFailure(err);
      throw err;
    }
  }

  getBatchSize(): number {
    return this.options.batchSize;
  }

  isActive(): boolean {
    return this.closing === null;
  }

  append(event: Event, options: SendOptions = {}): Promise<void> {
    return this.track(1, () => this.sendOne(EventBatch.of([toWireEvent(event, 0)]), 'append', options));
  }

  appendBatch(events: Event[], options: SendOptions = {}): Promise<void> {
    const count = Array.isArray(events) ? events.length : 0;
    return this.track(count, (acknowledge) => this.sendBatches(toEventBatch(events), options, acknowledge));
  }

  [appendChecked](events: EventBatch, options: SendOptions): Promise<void> {
    return this.track(events.length, (acknowledge) => this.sendBatches(events, options, acknowledge));
  }

  close(options: CloseOptions = {}): Promise<void> {
    this.closing ??= this.shutDown();
    forceCloseWhen(options, this.forced, this.closing);
    return this.closing;
  }

  /**
   * Refuses what is not written yet, stops any connect, handshake or backoff at once, waits for
   * written calls up to close-timeout (or until forced), then closes the connection.
   */
  private async shutDown(): Promise<void> {
    this.limiter.rejectWaiting(this.closedError());
    this.supervisor.stopConnecting();
    await settleWithin(this.written.drained(), this.options.closeTimeoutMs, this.forced.signal);
    this.supervisor.shutdown();
    await this.ledger.settled();
  }

  /** Every event handed over ends up acknowledged or failed; every failure is also emitted as 'error'. */
  private track(events: number, run: (acknowledge: Acknowledge) => Promise<void>): Promise<void> {
    if (this.closing) return Promise.reject(this.closedError());
    return this.ledger.track(events, run, (error) => this.emit('error', error));
  }

  private sendBatches(events: EventBatch, options: SendOptions, acknowledge: Acknowledge): Promise<void> {
    const send = (chunk: EventBatch): Promise<void> => this.sendOne(chunk, 'appendBatch', options);
    return sendInBatches(events, this.options.batchSize, send, acknowledge);
  }

  /**
   * One call on the wire, within its budget: a slot, a ready connection, then the write and the
   * status. The fast path (a free slot, a ready connection) makes no timer and no signal.
   */
  private async sendOne(events: EventBatch, message: 'append' | 'appendBatch', options: SendOptions): Promise<void> {
    const budget = new CallBudget(callBudgetMs(options.timeoutMs, this.options.callTimeoutMs), this.budgetSpent);
    let release: (() => void) | null = null;
    try {
      if (this.closing) throw this.closedError();
      release = this.limiter.tryAcquire() ?? (await this.limiter.acquire(budget.signal(options.signal)));
      // Each phase starts only with budget left, so the error names the phase that used it up.
      if (budget.remainingMs <= 0) throw budget.spent();
      budget.phase = 'connecting';
      const transceiver =
        this.supervisor.readyTransceiver ?? (await this.supervisor.obtain(budget.signal(options.signal)));
      // close() may have come while this call waited: it is not written now.
      if (this.closing) throw this.closedError();
      await this.sendWritten(transceiver, events, message, budget, options.signal);
    } catch (err) {
      const error = budget.explain(err);
      if (this.closing && budget.phase !== 'awaiting-answer') throw this.closedError(error);
      this.countFailure(error);
      throw error;
    } finally {
      release?.();
      budget.dispose();
    }
  }

  /**
   * Writes the call and waits for its answer, bounded by the request timeout and what is left of
   * the budget. Not async: the transceiver's promise with one then() is the whole hot path.
   */
  private sendWritten(
    transceiver: Transceiver,
    events: EventBatch,
    message: 'append' | 'appendBatch',
    budget: CallBudget,
    signal?: AbortSignal,
  ): Promise<void> {
    const remainingMs = budget.remainingMs;
    if (remainingMs <= 0) return Promise.reject(budget.spent());
    budget.phase = 'awaiting-answer';
    const timeoutMs = Math.min(this.options.requestTimeoutMs, remainingMs);
    this.ledger.counters.eventsSent += events.length;
    // Counted, not timed: a millisecond timestamp cannot order an answer stamped in the very
    // millisecond of the write (typically the handshake's, right before the first call).
    const answeredBeforeWrite = transceiver.answerMark();
    this.written.begin();
    const answer =
      message === 'append'
        ? transceiver.append(events.events[0]!, { signal, timeoutMs })
        : transceiver.appendBatch(events, { signal, timeoutMs });
    return answer.then(
      (status) => {
        this.written.end();
        if (status !== 'OK') throw new StatusError(status, this.address, events.length);
      },
      (err: unknown) => {
        this.written.end();
        throw this.answerFailure(err, transceiver, answeredBeforeWrite, events.length, budget, timeoutMs);
      },
    );
  }

  /** Why a written call got no answer, and what that says about the connection. */
  private answerFailure(
    err: unknown,
    transceiver: Transceiver,
    answeredBeforeWrite: number,
    events: number,
    budget: CallBudget,
    timeoutMs: number,
  ): unknown {
    if (this.closing && err instanceof ConnectionClosedError) {
      return this.closedError(
        err,
        `closed before the server answered ${events} written event(s); they may have been delivered`,
      );
    }
    if (err instanceof RequestTimeoutError) {
      // The budget, not the request timeout, ran out: the call was not waited on long enough to judge the connection.
      if (timeoutMs < this.options.requestTimeoutMs) return budget.spent();
      // A full request timeout with no answer at all since the write: the connection is stalled, drop it.
      if (!transceiver.answeredSince(answeredBeforeWrite))
        transceiver.close('closed: no answer within the request timeout');
    }
    return err;
  }

  /** An attempt that failed on the host (hostFailures); aborts and close say nothing about it. */
  private countFailure(err: unknown): void {
    if (!this.closing && !(err instanceof AbortError)) this.ledger.counters.hostFailures += 1;
  }

  /** Made once, not per call: the budget's error, naming the last connection failure while connecting. */
  private readonly budgetSpent = (budget: CallBudget): CallTimeoutError => {
    const cause = budget.phase === 'connecting' ? this.supervisor.lastFailure : null;
    return new CallTimeoutError(this.address, budget.budgetMs, budget.waitedMs, budget.phase, cause);
  };

  private closedError(cause?: unknown, detail = 'is closed'): ClientClosedError {
    return new ClientClosedError(
      `Client for ${this.address} ${detail}`,
      cause === undefined ? undefined : { cause },
      detail !== 'is closed',
    );
  }
}

/** The flat typed form: host and port beside the connection options. */
function splitHost({ host, port, ...options }: NettyAvroRpcClientOptions): {
  host: HostAddress;
  options: Partial<ConnectionOptions>;
} {
  return { host: { alias: 'h1', host, port }, options };
}
