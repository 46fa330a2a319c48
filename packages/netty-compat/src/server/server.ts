import net from 'node:net';
import tls from 'node:tls';
import { EventEmitter } from 'eventemitter3';
import { type FlumeRpcError, ProtocolError } from '../errors.js';
import { acceptLink } from '../transport/stack.js';
import { serverLinkError } from '../transport/link-errors.js';
import { type LayerOrder, PLAIN_SERVER_WIRE, type ServerWireOptions } from '../transport/wire-options.js';
import { type FaultPlan, noFaults } from './faults.js';
import { type FrameLimits, resolveLimits } from '../codec/limits.js';
import { type ServerLimits, resolveServerLimits } from './server-limits.js';
import { type BatchLimitError, ServerOverloadError, ServerTimeoutError } from './server-errors.js';
import { ProtocolCache } from '../protocol/protocol-cache.js';
import { FLUME_PROTOCOL, type AvroFlumeEvent, type Status } from '../protocol/protocol.js';
import { type ConnectionHost, type ServerCall, ServerConnection } from './server-connection.js';

/**
 * What the server does with events; both default to accepting (OK). Without a handler for a
 * message its events are checked as strictly but never built, which makes a counting server cheap.
 */
export interface AvroSourceHandlers {
  append?(event: AvroFlumeEvent): Status | Promise<Status>;
  appendBatch?(events: AvroFlumeEvent[]): Status | Promise<Status>;
}

/** The ServerLimits fields bound what peers can make the server hold; unset ones take their defaults. */
export interface AvroSourceServerOptions extends Partial<ServerLimits> {
  handlers?: AvroSourceHandlers;
  limits?: Partial<FrameLimits>;
  /** Initial fault plan; `server.faults` can be changed while running. */
  faults?: Partial<FaultPlan>;
  /** Serve TLS with this key and certificate (PEM `key`/`cert`, or PKCS#12 `pfx` + `passphrase`), as Flume's `ssl = true`. */
  tls?: tls.SecureContextOptions | null;
  /** zlib level for Flume's `compression-type = deflate` (0-9); null or absent: no compression. */
  compressionLevel?: number | null;
  /** With both TLS and compression: `zlib-outside` (Flume 1.10+, default) or `tls-outside` (Flume 1.9 and earlier). */
  layerOrder?: LayerOrder;
}

export interface ServerStats {
  connectionsAccepted: number;
  connectionsOpen: number;
  /** Events in calls answered OK: what a Flume channel would have committed. */
  eventsAcknowledged: number;
  callsAnswered: number;
  /** Calls answered with a status other than OK (by a handler, or by the forceStatus fault), and their events. */
  callsFailed: number;
  eventsFailed: number;
  protocolErrors: number;
  /** Connections closed at once because maxConnections were open. */
  connectionsRefused: number;
  /** Connections closed by the handshake, idle or frame-read timeout. */
  connectionsTimedOut: number;
  /** Connections closed to bring the bytes of unfinished frames back under maxBufferedBytes. */
  connectionsShed: number;
  /** appendBatch calls answered with an error for declaring more than maxBatchEvents events. */
  batchesRefused: number;
  /** Bytes of unfinished frames held by all connections now. */
  partialFrameBytes: number;
}

/** Every counter at 0: a new server's, or another server's that reports the same shape (the bench's HTTP source). */
export function zeroServerStats(): ServerStats {
  return {
    connectionsAccepted: 0,
    connectionsOpen: 0,
    eventsAcknowledged: 0,
    callsAnswered: 0,
    callsFailed: 0,
    eventsFailed: 0,
    protocolErrors: 0,
    connectionsRefused: 0,
    connectionsTimedOut: 0,
    connectionsShed: 0,
    batchesRefused: 0,
    partialFrameBytes: 0,
  };
}

export interface AvroSourceServerEvents {
  /**
   * A connection broke the protocol, or a timeout (ServerTimeoutError) or the partial-frame bound
   * (ServerOverloadError) closed it; the server goes on.
   */
  connectionError: (error: FlumeRpcError, remoteAddress: string) => void;
  /** A connection was closed as soon as accepted: maxConnections were open. */
  connectionRefused: (remoteAddress: string, maxConnections: number) => void;
  /** A call was answered with an error without running its handler (too many events); its connection stays. */
  callRefused: (error: BatchLimitError, remoteAddress: string) => void;
  listening: (port: number) => void;
}

/**
 * A server that behaves like Flume's Avro source on the wire (AvroSourceProtocol over Netty
 * framing). It can stop listening and listen again on the same port, as an agent restart would.
 */
export class AvroSourceServer extends EventEmitter<AvroSourceServerEvents> implements ConnectionHost {
  readonly cache = new ProtocolCache(FLUME_PROTOCOL);
  readonly limits: FrameLimits;
  readonly bounds: ServerLimits;
  readonly faults: FaultPlan;
  readonly stats: ServerStats = zeroServerStats();
  private listener: net.Server | null = null;
  private readonly connections = new Set<ServerConnection>();
  private boundPort = 0;
  private boundHost = '127.0.0.1';

  readonly wire: ServerWireOptions;

  constructor(private readonly options: AvroSourceServerOptions = {}) {
    super();
    this.wire = {
      ...PLAIN_SERVER_WIRE,
      // Built once: a bad key or certificate fails here, not on the first connection.
      tls: options.tls ? tls.createSecureContext(options.tls) : null,
      compressionLevel: options.compressionLevel ?? null,
      layerOrder: options.layerOrder ?? PLAIN_SERVER_WIRE.layerOrder,
    };
    this.limits = resolveLimits(options.limits);
    this.bounds = resolveServerLimits(options);
    this.faults = { ...noFaults(), ...options.faults };
  }

  /** The port bound by the last listen() (also after close, so a restart can reuse it). */
  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.listener !== null;
  }

  /** Listens on host:port (port 0: any free port; on restart, 0 means the previous port). */
  async listen(port = this.boundPort, host = this.boundHost): Promise<number> {
    if (this.listener) throw new Error(`Server already listening on port ${this.boundPort}`);
    const listener = net.createServer((socket) => this.accept(socket));
    // Node closes a connection over the cap before a socket object is made: the cheapest refusal.
    if (Number.isFinite(this.bounds.maxConnections)) listener.maxConnections = this.bounds.maxConnections;
    listener.on('drop', (peer) => {
      this.stats.connectionsRefused += 1;
      this.emit(
        'connectionRefused',
        `${peer?.remoteAddress ?? '?'}:${peer?.remotePort ?? '?'}`,
        this.bounds.maxConnections,
      );
    });
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen({ port, host, exclusive: true }, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    this.listener = listener;
    this.boundHost = host;
    this.boundPort = (listener.address() as net.AddressInfo).port;
    this.emit('listening', this.boundPort);
    return this.boundPort;
  }

  /** Stops listening and closes every connection; pending answers are dropped, as a killed agent would. */
  async close(): Promise<void> {
    const listener = this.listener;
    this.listener = null;
    for (const connection of this.connections) connection.close();
    this.connections.clear();
    if (listener) await new Promise<void>((resolve) => listener.close(() => resolve()));
  }

  /**
   * Changes the fault plan; answers held by an infinite stall are released under the new plan,
   * as a stalled agent that recovers answers what it held.
   */
  setFaults(changes: Partial<FaultPlan>): void {
    Object.assign(this.faults, changes);
    for (const connection of this.connections) connection.releaseHeld();
  }

  /** Closes open connections without stopping the listener: clients must reconnect. */
  dropConnections(): void {
    for (const connection of this.connections) connection.close();
  }

  readsEvents(messageName: string): boolean {
    const handlers = this.options.handlers;
    return messageName === 'append' ? handlers?.append !== undefined : handlers?.appendBatch !== undefined;
  }

  invoke(call: ServerCall): Promise<Status> | Status {
    const { messageName, params, eventCount } = call;
    if (messageName !== 'append' && messageName !== 'appendBatch')
      throw new ProtocolError(`No handler for message ${messageName}`);
    // The forceStatus fault answers without asking the handlers, but the call is counted as any other.
    if (this.faults.forceStatus !== null) return this.counted(this.faults.forceStatus, eventCount);
    const handlers = this.options.handlers ?? {};
    if (params === null) return this.counted('OK', eventCount);
    if (messageName === 'append')
      return this.counted(handlers.append ? handlers.append(params['event'] as AvroFlumeEvent) : 'OK', eventCount);
    return this.counted(
      handlers.appendBatch ? handlers.appendBatch(params['events'] as AvroFlumeEvent[]) : 'OK',
      eventCount,
    );
  }

  /** Counts a handler's answer when it comes: at once for a Status, later for a promise of one. */
  private counted(status: Status | Promise<Status>, events: number): Status | Promise<Status> {
    const count = (settled: Status): Status => {
      this.stats.callsAnswered += 1;
      if (settled === 'OK') {
        this.stats.eventsAcknowledged += events;
      } else {
        this.stats.callsFailed += 1;
        this.stats.eventsFailed += events;
      }
      return settled;
    };
    return typeof status === 'string' ? count(status) : Promise.resolve(status).then(count);
  }

  onConnectionError(error: FlumeRpcError, remoteAddress: string): void {
    if (error instanceof ServerTimeoutError) this.stats.connectionsTimedOut += 1;
    else if (error instanceof ServerOverloadError) this.stats.connectionsShed += 1;
    else this.stats.protocolErrors += 1;
    this.emit('connectionError', error, remoteAddress);
  }

  onCallRefused(error: BatchLimitError, remoteAddress: string): void {
    this.stats.batchesRefused += 1;
    this.emit('callRefused', error, remoteAddress);
  }

  /**
   * Past maxBufferedBytes the server closes the connections holding the largest unfinished
   * frames until the total fits, rather than pausing readers: a paused reader keeps its bytes and
   * waits for others to finish, so peers that stop mid-frame would hold everyone until their
   * frame-read timeout, while closing frees the memory at once. The largest, not the newest, goes:
   * that is the peer costing the most, and a normal client's small frame is rarely it.
   */
  onPartialFrameBytes(delta: number): void {
    const limit = this.bounds.maxBufferedBytes;
    this.stats.partialFrameBytes += delta;
    // Only growth sheds: a release made while shedding must not start another round.
    if (delta <= 0 || this.stats.partialFrameBytes <= limit) return;
    const largest = [...this.connections].filter((c) => c.heldBytes > 0).sort((a, b) => b.heldBytes - a.heldBytes);
    for (const connection of largest) {
      if (this.stats.partialFrameBytes <= limit) return;
      connection.shed(limit);
    }
  }

  private accept(socket: net.Socket): void {
    this.stats.connectionsAccepted += 1;
    const every = this.faults.dropEveryNthConnection;
    if (every > 0 && this.stats.connectionsAccepted % every === 0) {
      socket.destroy();
      return;
    }
    const remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    // A layer fails only after the stream exists, so the handler always finds the connection.
    const stream = acceptLink(socket, this.wire, (error, layer) =>
      connection.linkFailed(serverLinkError(remoteAddress, error, layer)),
    );
    const connection = new ServerConnection(stream, remoteAddress, this);
    this.connections.add(connection);
    this.stats.connectionsOpen += 1;
    socket.once('close', () => {
      this.connections.delete(connection);
      this.stats.connectionsOpen -= 1;
    });
  }
}
