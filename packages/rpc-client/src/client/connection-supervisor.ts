import { EventEmitter } from 'eventemitter3';
import {
  type ClientWireOptions,
  type FlumeRpcError,
  HandshakeError,
  HandshakeTimeoutError,
  Transceiver,
  formatAddress,
} from '@flume-rpc/netty-compat';
import { abortableDelay, raceAbort } from '../calls/abortable.js';
import { Backoff } from './backoff.js';
import type { ConnectionOptions, HostAddress } from '../config/config.js';
import type { ConnectivityState } from './connectivity.js';
import { ClientClosedError, asFlumeError } from '../errors.js';
import { resolveWire } from '../config/wire-settings.js';
import type { ConnectionEventName, RpcClientEvents } from '../rpc-client.js';

/** The per-connection events of RpcClientEvents: everything but 'error', which is about calls. */
export type SupervisorEvents = Pick<RpcClientEvents, ConnectionEventName>;

/** The connection half of ClientCounters. */
export interface ConnectionCounters {
  connectionsOpened: number;
  /** Connections opened after the first, resets included. */
  reconnects: number;
  /** Connections replaced because reset-connection-interval elapsed. */
  connectionResets: number;
  connectFailures: number;
  handshakeFailures: number;
}

/**
 * Owns the connection to one host: opens it on demand, one attempt at a time however many
 * calls wait; retries connect and handshake failures (nothing was sent yet) up to max-retries
 * with backoff; after a failed round makes the next call wait out the backoff so a dead server
 * is not hammered; and opens a fresh connection whenever the last one is gone.
 *
 * With reset-connection-interval, a connection that has lived that long is replaced: a new one
 * is opened beside it, new calls go to it once it is ready, and the old one closes when its last
 * call is answered. No call waits for or fails because of a reset; a reset that cannot connect
 * leaves the old connection in use and is tried again an interval later.
 */
export function zeroConnectionCounters(): ConnectionCounters {
  return { connectionsOpened: 0, reconnects: 0, connectionResets: 0, connectFailures: 0, handshakeFailures: 0 };
}

export class ConnectionSupervisor extends EventEmitter<SupervisorEvents> {
  readonly address: string;
  readonly counters: ConnectionCounters = zeroConnectionCounters();
  private current: ConnectivityState = 'idle';
  private transceiver: Transceiver | null = null;
  /** Connections being opened (a call's attempt, a reset's replacement): stopConnecting closes them. */
  private readonly opening = new Set<Transceiver>();
  private resetTimer: NodeJS.Timeout | null = null;
  private attempt: Promise<Transceiver> | null = null;
  private readonly backoff: Backoff;
  /** Earliest time the next round of attempts may start, after a round that failed. */
  private notBefore = 0;
  private failure: FlumeRpcError | null = null;
  private readonly shutdownController = new AbortController();
  /** TLS and compression, resolved once: every connection to this host uses the same stack. */
  private readonly wire: ClientWireOptions;

  constructor(
    readonly host: HostAddress,
    private readonly options: ConnectionOptions,
  ) {
    super();
    this.address = formatAddress(host.host, host.port);
    this.wire = resolveWire(options, host.host);
    this.backoff = new Backoff({ initialMs: options.retryBackoffInitialMs, maxMs: options.retryBackoffMaxMs });
  }

  get state(): ConnectivityState {
    return this.current;
  }

  /** Shut down for good. A getter, so that checks after an await are not narrowed away by TypeScript. */
  private get stopped(): boolean {
    return this.current === 'shutdown';
  }

  /** The connection, when it is ready and the client is not closing: calls can be written now. */
  get readyTransceiver(): Transceiver | null {
    const live = this.transceiver;
    return live !== null && live.state === 'ready' && !this.stopped ? live : null;
  }

  /** The failure of the last connect or handshake attempt, until one succeeds (null then). */
  get lastFailure(): FlumeRpcError | null {
    return this.failure;
  }

  /** A ready connection: the current one, or a new one after retries. Rejects with the last failure. */
  obtain(signal?: AbortSignal): Promise<Transceiver> {
    if (this.stopped) return Promise.reject(this.closedError());
    const live = this.readyTransceiver;
    if (live) return Promise.resolve(live);
    if (!this.attempt) {
      const attempt = this.connectWithRetries().finally(() => {
        this.attempt = null;
      });
      // Callers that stopped waiting (aborted) no longer listen: the round's failure must not go unhandled.
      attempt.catch(() => undefined);
      this.attempt = attempt;
    }
    return raceAbort(this.attempt, signal);
  }

  /**
   * No connection attempt from now on: one under way (connect, handshake or backoff) ends at once
   * and its waiters get ClientClosedError. The ready connection stays, so calls already written
   * can still be answered; shutdown() closes it.
   */
  stopConnecting(): void {
    if (this.stopped) return;
    this.setState('shutdown');
    this.shutdownController.abort(this.closedError());
    this.cancelReset();
    for (const transceiver of this.opening) transceiver.close('closed: client shut down');
  }

  /** Stops connecting and closes the connection, for good; calls still on it fail. */
  shutdown(): void {
    this.stopConnecting();
    this.transceiver?.close('closed: client shut down');
  }

  private closedError(cause?: unknown): ClientClosedError {
    return new ClientClosedError(`Client for ${this.address} is closed`, cause === undefined ? undefined : { cause });
  }

  private async connectWithRetries(): Promise<Transceiver> {
    let lastError: FlumeRpcError | null = null;
    for (let attempt = 0; attempt <= this.options.maxRetries; attempt += 1) {
      const delayMs = attempt === 0 ? Math.max(0, this.notBefore - Date.now()) : this.backoff.next();
      if (lastError)
        this.emit('retry', { attempt, attempts: this.options.maxRetries + 1, delayMs, cause: lastError }, this.address);
      await this.waitUnlessShutdown(delayMs);
      this.setState('connecting');
      try {
        return this.adopt(await this.dial());
      } catch (err) {
        lastError = asFlumeError(err);
        if (this.stopped) throw this.closedError(err);
        this.failure = lastError;
      }
    }
    this.notBefore = Date.now() + this.backoff.next();
    this.setState('transient_failure');
    throw lastError!;
  }

  private async waitUnlessShutdown(ms: number): Promise<void> {
    try {
      await abortableDelay(ms, this.shutdownController.signal);
    } catch {
      throw this.closedError();
    }
  }

  /** One connect and handshake; counts its failure. */
  private async dial(): Promise<Transceiver> {
    const transceiver = new Transceiver({
      host: this.host.host,
      port: this.host.port,
      connectTimeoutMs: this.options.connectTimeoutMs,
      handshakeTimeoutMs: this.options.handshakeTimeoutMs,
      requestTimeoutMs: this.options.requestTimeoutMs,
      wire: this.wire,
    });
    this.opening.add(transceiver);
    transceiver.on('state', (state) => {
      if (state === 'handshaking') this.emit('connect', this.address);
    });
    transceiver.on('handshake', (match) => this.emit('handshake', match, this.address));
    transceiver.on('close', (cause) => this.onClose(transceiver, cause));
    try {
      await transceiver.ready();
    } catch (err) {
      if (err instanceof HandshakeTimeoutError || err instanceof HandshakeError) this.counters.handshakeFailures += 1;
      else this.counters.connectFailures += 1;
      throw err;
    } finally {
      this.opening.delete(transceiver);
    }
    return transceiver;
  }

  /** Makes a ready connection the one calls use. */
  private adopt(transceiver: Transceiver): Transceiver {
    if (this.counters.connectionsOpened > 0) this.counters.reconnects += 1;
    this.counters.connectionsOpened += 1;
    this.backoff.reset();
    this.notBefore = 0;
    this.failure = null;
    this.transceiver = transceiver;
    this.setState('ready');
    this.emit('ready', this.address);
    this.scheduleReset();
    return transceiver;
  }

  private scheduleReset(): void {
    this.cancelReset();
    if (this.options.resetConnectionIntervalMs <= 0 || this.stopped) return;
    this.resetTimer = setTimeout(() => void this.resetConnection(), this.options.resetConnectionIntervalMs);
    // A periodic reset is no reason to keep the process alive.
    this.resetTimer.unref();
  }

  private cancelReset(): void {
    if (this.resetTimer !== null) clearTimeout(this.resetTimer);
    this.resetTimer = null;
  }

  /** Make before break: the old connection serves calls until the new one is ready, then drains. */
  private async resetConnection(): Promise<void> {
    this.resetTimer = null;
    const old = this.transceiver;
    if (old === null || this.stopped) return;
    let fresh: Transceiver;
    try {
      fresh = await this.dial();
    } catch {
      // Counted as a connect or handshake failure; the old connection carries on.
      if (this.transceiver === old) this.scheduleReset();
      return;
    }
    if (this.stopped || this.transceiver !== old) {
      // Shut down, or the old connection broke meanwhile and calls took the usual path: not needed.
      fresh.close('closed: not needed after a connection reset');
      return;
    }
    this.counters.connectionResets += 1;
    this.adopt(fresh);
    old.closeWhenIdle('closed: reset-connection-interval elapsed');
  }

  private onClose(transceiver: Transceiver, cause: FlumeRpcError): void {
    if (this.transceiver !== transceiver) return;
    this.transceiver = null;
    this.cancelReset();
    this.emit('disconnect', this.address, cause);
    if (this.current === 'ready') this.setState('idle');
  }

  private setState(next: ConnectivityState): void {
    const previous = this.current;
    if (previous === next || previous === 'shutdown') return;
    this.current = next;
    this.emit('state', next, previous, this.address);
  }
}
