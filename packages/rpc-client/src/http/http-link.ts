import { Pool } from 'undici';
import { ConnectionClosedError, describe } from '@flume-rpc/netty-compat';
import type { ConnectivityState } from '../client/connectivity.js';
import { type ConnectionCounters, zeroConnectionCounters } from '../client/connection-supervisor.js';
import type { ResolvedConnectionOptions } from '../config/resolve.js';
import { clientTlsOptions } from '../config/wire-settings.js';
import type { ConnectionEventName, RpcClientEvents } from '../rpc-client.js';

type Emit = <E extends ConnectionEventName>(name: E, ...args: Parameters<RpcClientEvents[E]>) => void;

/**
 * The keep-alive connections to one HTTP source: an undici Pool with at most
 * ceil(max-inflight / pipelining) connections, and the connectivity the client reports for them.
 * A pool has several connections, so the state is the host's: `ready` while any is open,
 * `connecting` while a call waits for the first, `transient_failure` after a connect failed with
 * none open, `idle` once every connection closed (keep-alive expiry included).
 */
export class HttpLink {
  readonly pool: Pool;
  readonly counters: ConnectionCounters = zeroConnectionCounters();
  private current: ConnectivityState = 'idle';
  private open = 0;

  constructor(
    url: URL,
    /** The URL's host, as a HostAddress holds it (IPv6 without brackets): what TLS checks the certificate against. */
    host: string,
    options: ResolvedConnectionOptions,
    private readonly address: string,
    private readonly emit: Emit,
  ) {
    const tls = url.protocol === 'https:' ? clientTlsOptions(options, host) : null;
    this.pool = new Pool(url.origin, {
      connections: Math.ceil(options.maxInflight / options.pipelining),
      pipelining: options.pipelining,
      connectTimeout: options.connectTimeoutMs,
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
      // Flume's source is HTTP/1.1 (Jetty without h2): no ALPN negotiation.
      allowH2: false,
      ...(tls ? { connect: tls } : {}),
    });
    this.pool.on('connect', () => this.connected());
    this.pool.on('disconnect', (_origin, _targets, error) => this.disconnected(error));
    this.pool.on('connectionError', () => this.connectFailed());
  }

  get state(): ConnectivityState {
    return this.current;
  }

  /** A call is about to post: with no connection open it waits for one. */
  starting(): void {
    if (this.open === 0 && (this.current === 'idle' || this.current === 'transient_failure')) this.set('connecting');
  }

  /** Closes every connection at once: calls still on them fail (close() waited for them first). */
  async destroy(): Promise<void> {
    this.set('shutdown');
    await this.pool.destroy().catch(() => undefined);
  }

  private connected(): void {
    this.open += 1;
    this.counters.connectionsOpened += 1;
    if (this.counters.connectionsOpened > 1) this.counters.reconnects += 1;
    this.emit('connect', this.address);
    // HTTP has no handshake: a connection is usable as soon as it is up.
    this.emit('ready', this.address);
    this.set('ready');
  }

  private disconnected(error: Error): void {
    this.open = Math.max(0, this.open - 1);
    if (this.current === 'shutdown') return;
    this.emit(
      'disconnect',
      this.address,
      new ConnectionClosedError(`Connection to ${this.address} closed: ${describe(error)}`, { cause: error }),
    );
    if (this.open === 0) this.set('idle');
  }

  private connectFailed(): void {
    if (this.current === 'shutdown') return;
    this.counters.connectFailures += 1;
    if (this.open === 0) this.set('transient_failure');
  }

  private set(next: ConnectivityState): void {
    const previous = this.current;
    if (previous === next || previous === 'shutdown') return;
    this.current = next;
    this.emit('state', next, previous, this.address);
  }
}
