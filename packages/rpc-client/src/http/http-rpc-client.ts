import { EventEmitter } from 'eventemitter3';
import {
  AbortError,
  type EventBatch,
  type FlumeRpcError,
  type OutgoingEvent,
  formatAddress,
} from '@flume-rpc/netty-compat';
import { abortableDelay, forceCloseWhen, settleWithin } from '../calls/abortable.js';
import { type AppendsChecked, appendChecked } from '../calls/append-checked.js';
import { CallBudget, callBudgetMs } from '../calls/call-budget.js';
import { type Acknowledge, DeliveryLedger, sendInBatches } from '../calls/delivery-ledger.js';
import { ConcurrencyLimiter } from '../calls/limiter.js';
import { Backoff } from '../client/backoff.js';
import type { ConnectivityState } from '../client/connectivity.js';
import type { ConnectionOptions, HostAddress } from '../config/config.js';
import { type ResolvedConnectionOptions, type ResolvedHttpOptions, resolveHttpOptions } from '../config/resolve.js';
import { CallTimeoutError, ClientClosedError, HttpStatusError } from '../errors.js';
import { type Event, toEventBatch, toWireEvent } from '../event.js';
import type { ClientCounters, CloseOptions, RpcClient, RpcClientEvents, SendOptions } from '../rpc-client.js';
import { BatchPost } from './batch-post.js';
import { type PostFailure, postFailure } from './http-failure.js';
import { HttpLink } from './http-link.js';
import { contentType, encodeJsonBatch } from './json-batch.js';
import { retryAfterMs } from './retry-after.js';
import { serverMessage } from './server-message.js';

export interface HttpRpcClientOptions extends Partial<ConnectionOptions> {
  /** The HTTP source's URL (http:// or https://, path allowed): Flume's HTTPSource with its JSONHandler. */
  url: string;
}

/**
 * A client for one Flume HTTP source (JSONHandler): each batch is one POST of a JSON array of
 * `{headers, body}`, over keep-alive connections. The same contract as the Avro client: a 503
 * (channel full, nothing committed) and a failed connect are retried up to max-retries with
 * backoff, honouring Retry-After; a 400 and every other answer are reported at once, naming the
 * source's message. Bodies must be text in `charset`: JSONHandler cannot carry other bytes.
 */
export class HttpRpcClient extends EventEmitter<RpcClientEvents> implements RpcClient, AppendsChecked {
  readonly options: ResolvedConnectionOptions;
  readonly host: HostAddress;
  readonly url: string;
  private readonly link: HttpLink;
  private readonly path: string;
  private readonly headers: Record<string, string>;
  private readonly limiter: ConcurrencyLimiter;
  private readonly ledger = new DeliveryLedger();
  /** Posts under way: at close, those not yet on a connection end at once, the others are waited for. */
  private readonly posts = new Set<BatchPost>();
  /** Fires at close: backoff waits end. */
  private readonly stopWaiting = new AbortController();
  /** Fires when close is forced: written calls are no longer waited for. */
  private readonly forced = new AbortController();
  private closing: Promise<void> | null = null;
  private lastFailure: FlumeRpcError | null = null;

  constructor(
    options: HttpRpcClientOptions | { host: HostAddress; options?: Partial<ConnectionOptions> } | ResolvedHttpOptions,
  ) {
    super();
    const resolved =
      'host' in options && typeof options.host === 'object'
        ? resolveHttpOptions(options)
        : resolveHttpOptions(splitUrl(options as HttpRpcClientOptions));
    this.host = resolved.host;
    this.options = resolved.options;
    const url = new URL(this.host.url!);
    this.url = url.href;
    this.path = `${url.pathname}${url.search}`;
    this.headers = { 'content-type': contentType(this.options.charset) };
    this.limiter = new ConcurrencyLimiter(this.options.maxInflight, this.options.maxPending);
    this.link = new HttpLink(url, this.host.host, this.options, this.address, (name, ...args) =>
      (this.emit as (n: string, ...a: unknown[]) => boolean)(name, ...args),
    );
  }

  /** host:port, as the events and connection errors name the host. */
  get address(): string {
    return formatAddress(this.host.host, this.host.port);
  }

  get state(): ConnectivityState {
    return this.link.state;
  }

  get counters(): Readonly<ClientCounters> {
    return { ...this.ledger.counters, ...this.link.counters };
  }

  /**
   * Posts an empty batch (`[]`), which Flume's source accepts without committing anything: the
   * URL, the connection and the source's handler are checked at once, with the client's retries.
   */
  async connect(signal?: AbortSignal): Promise<void> {
    if (this.closing) throw this.closedError();
    await this.sendOne(encodeJsonBatch([], this.options.charset), 0, { signal });
  }

  getBatchSize(): number {
    return this.options.batchSize;
  }

  isActive(): boolean {
    return this.closing === null;
  }

  append(event: Event, options: SendOptions = {}): Promise<void> {
    return this.track(1, () =>
      this.sendOne(encodeJsonBatch([toWireEvent(event, 0)], this.options.charset), 1, options),
    );
  }

  appendBatch(events: Event[], options: SendOptions = {}): Promise<void> {
    const count = Array.isArray(events) ? events.length : 0;
    return this.track(count, (acknowledge) => this.sendEncoded(toEventBatch(events).events, options, acknowledge));
  }

  [appendChecked](events: EventBatch, options: SendOptions): Promise<void> {
    return this.track(events.length, (acknowledge) => this.sendEncoded(events.events, options, acknowledge));
  }

  close(options: CloseOptions = {}): Promise<void> {
    this.closing ??= this.shutDown();
    forceCloseWhen(options, this.forced, this.closing);
    return this.closing;
  }

  /**
   * Every batch is encoded (and so every body checked) before the first is posted: a body that
   * is not text fails the call with nothing sent. sendInBatches cuts the list as the loop here
   * does, so its nth chunk is the nth body.
   */
  private sendEncoded(events: readonly OutgoingEvent[], options: SendOptions, acknowledge: Acknowledge): Promise<void> {
    const size = this.options.batchSize;
    const bodies: Buffer[] = [];
    for (let start = 0; start < events.length; start += size) {
      bodies.push(encodeJsonBatch(events.slice(start, start + size), this.options.charset, start));
    }
    let next = 0;
    return sendInBatches(events, size, (chunk) => this.sendOne(bodies[next++]!, chunk.length, options), acknowledge);
  }

  private async shutDown(): Promise<void> {
    const closed = this.closedError();
    this.limiter.rejectWaiting(closed);
    this.stopWaiting.abort(closed);
    const written: Promise<unknown>[] = [];
    for (const post of this.posts) {
      if (post.written) written.push(post.answer);
      else post.abort(closed);
    }
    await settleWithin(Promise.allSettled(written), this.options.closeTimeoutMs, this.forced.signal);
    await this.link.destroy();
    await this.ledger.settled();
  }

  private track(events: number, run: (acknowledge: Acknowledge) => Promise<void>): Promise<void> {
    if (this.closing) return Promise.reject(this.closedError());
    return this.ledger.track(events, run, (error) => this.emit('error', error));
  }

  /** One batch within its budget: a slot, then posts until one is answered 200, a failure is final, or the budget ends. */
  private async sendOne(body: Buffer, events: number, options: SendOptions): Promise<void> {
    const budget = new CallBudget(callBudgetMs(options.timeoutMs, this.options.callTimeoutMs), this.budgetSpent);
    let release: (() => void) | null = null;
    try {
      if (this.closing) throw this.closedError();
      release = this.limiter.tryAcquire() ?? (await this.limiter.acquire(budget.signal(options.signal)));
      await this.postWithRetries(body, events, budget, options.signal);
    } catch (err) {
      const error = budget.explain(err);
      if (this.closing && budget.phase !== 'awaiting-answer') throw this.closedError(error);
      if (!this.closing && !(error instanceof AbortError)) this.ledger.counters.hostFailures += 1;
      throw error;
    } finally {
      release?.();
      budget.dispose();
    }
  }

  private async postWithRetries(body: Buffer, events: number, budget: CallBudget, signal?: AbortSignal): Promise<void> {
    const attempts = this.options.maxRetries + 1;
    let backoff: Backoff | null = null;
    for (let attempt = 1; ; attempt += 1) {
      const failure = await this.postOnce(body, events, budget, signal);
      if (failure === null) return;
      this.lastFailure = failure.error;
      if (!failure.retryable || attempt >= attempts || this.closing) throw failure.error;
      backoff ??= new Backoff({ initialMs: this.options.retryBackoffInitialMs, maxMs: this.options.retryBackoffMaxMs });
      const asked = failure.error instanceof HttpStatusError ? failure.error.retryAfterMs : null;
      const delayMs = Math.max(backoff.next(), asked ?? 0);
      // A retry that cannot start within the budget is not waited for: the failure is the answer.
      if (delayMs >= budget.remainingMs) throw failure.error;
      this.emit('retry', { attempt, attempts, delayMs, cause: failure.error }, this.address);
      budget.phase = 'connecting';
      await abortableDelay(delayMs, AbortSignal.any([budget.signal(signal), this.stopWaiting.signal]));
    }
  }

  /** One POST; null when the source answered 2xx, else what went wrong and whether it may be retried. */
  private async postOnce(
    body: Buffer,
    events: number,
    budget: CallBudget,
    signal?: AbortSignal,
  ): Promise<PostFailure | null> {
    const remainingMs = budget.remainingMs;
    if (remainingMs <= 0) throw budget.spent();
    budget.phase = 'awaiting-answer';
    const timeoutMs = Math.min(this.options.requestTimeoutMs, remainingMs);
    // undici's own timeouts bound connect and answer; a budget timer is needed only when they would outlast it.
    const bounded = signal !== undefined || remainingMs < this.options.connectTimeoutMs + timeoutMs;
    const post = new BatchPost(bounded ? budget.signal(signal) : undefined);
    this.posts.add(post);
    this.link.starting();
    this.link.pool.dispatch(
      {
        path: this.path,
        method: 'POST',
        headers: this.headers,
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      },
      post,
    );
    try {
      const answer = await post.answer;
      if (answer.status >= 200 && answer.status < 300) return null;
      const message = serverMessage(answer.status, answer.contentType, answer.body);
      const error = new HttpStatusError(answer.status, message, this.url, events, retryAfterMs(answer.retryAfter));
      return { error, retryable: error.retryable };
    } catch (err) {
      const error = budget.explain(err);
      if (error instanceof CallTimeoutError || error instanceof AbortError || error instanceof ClientClosedError)
        throw error;
      if (this.closing && post.written)
        throw this.closedError(
          err,
          `closed before the source answered ${events} written event(s); they may have been delivered`,
        );
      return postFailure(error, this.address, post.written, {
        connectTimeoutMs: this.options.connectTimeoutMs,
        requestTimeoutMs: timeoutMs,
        tls: this.url.startsWith('https:'),
      });
    } finally {
      this.posts.delete(post);
      if (post.written) this.ledger.counters.eventsSent += events;
    }
  }

  /** Made once, not per call: the budget's error, naming the last failure while it waited to retry. */
  private readonly budgetSpent = (budget: CallBudget): CallTimeoutError => {
    const cause = budget.phase === 'connecting' ? this.lastFailure : null;
    return new CallTimeoutError(this.url, budget.budgetMs, budget.waitedMs, budget.phase, cause);
  };

  private closedError(cause?: unknown, detail = 'is closed'): ClientClosedError {
    return new ClientClosedError(
      `Client for ${this.url} ${detail}`,
      cause === undefined ? undefined : { cause },
      detail !== 'is closed',
    );
  }
}

/** The flat typed form: the URL beside the connection options. */
function splitUrl({ url, ...options }: HttpRpcClientOptions): {
  host: HostAddress;
  options: Partial<ConnectionOptions>;
} {
  return { host: { alias: 'h1', host: '', port: 0, url }, options };
}
