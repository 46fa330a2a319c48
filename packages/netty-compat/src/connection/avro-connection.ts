import type { Duplex } from 'node:stream';
import { EventEmitter } from 'eventemitter3';
import {
  AbortError,
  ConnectTimeoutError,
  ConnectionClosedError,
  FlumeRpcError,
  HandshakeTimeoutError,
  ProtocolError,
  RequestTimeoutError,
  describe,
} from '../errors.js';
import { FrameDecoder, frameBody } from '../codec/frame-codec.js';
import { type FrameLimits, resolveLimits } from '../codec/limits.js';
import type { EncodedParams } from '../codec/event-encoder.js';
import { decodeResponseHead, encodeRequest } from '../codec/call.js';
import { ClientHandshake } from '../protocol/handshake-negotiation.js';
import type { HandshakeMatch } from '../protocol/handshake.js';
import type { ProtocolCache, RemoteProtocol } from '../protocol/protocol-cache.js';
import type { MessageTypes } from '../protocol/protocol.js';
import { type Link, connectLink } from '../transport/stack.js';
import { clientLinkError, peerClosedError, undecodableBytesError } from '../transport/link-errors.js';
import { type ClientWireOptions, PLAIN_CLIENT_WIRE } from '../transport/wire-options.js';
import { type ConnectionState, canTransition, formatAddress } from './connection-state.js';
import type { ConnectionHealth } from './connection-health.js';
import { Deadline } from './deadline.js';
import { CallDeadlines } from './call-deadlines.js';
import { type CallOptions, type PendingCall, PendingCalls, pingCall } from './pending-calls.js';
import { type Abandon, startRequestDeadline, unwatch, watchAbort } from './call-watch.js';
import { FrameWriter } from './frame-writer.js';
import { type CallOutcome, readResponse } from './response-reader.js';

export interface AvroConnectionOptions {
  host: string;
  port: number;
  /** Bound on TCP connect. */
  connectTimeoutMs: number;
  /** Bound on the Avro handshake, from TCP connect to the server's BOTH or CLIENT answer. */
  handshakeTimeoutMs: number;
  /** Bound on each request, from the moment it is written to its response. */
  requestTimeoutMs: number;
  limits?: Partial<FrameLimits>;
  /** Shared protocol knowledge: the local protocol, and what was learnt of peers. */
  protocolCache: ProtocolCache;
  /** TLS and compression below the frames (default: plain TCP). The connect timeout covers the TLS handshake too. */
  wire?: ClientWireOptions;
}

export interface ConnectionEvents {
  state: (state: ConnectionState, previous: ConnectionState) => void;
  handshake: (match: HandshakeMatch) => void;
  close: (error: FlumeRpcError) => void;
}

/**
 * One TCP connection speaking Avro IPC over Netty framing, for any protocol. It connects at
 * construction, carries the handshake on its first request (a ping if no call is waiting),
 * pipelines calls matched by serial, and on any fatal error rejects every pending call at once
 * and releases socket and timers. It never reconnects: that is the policy layer's job.
 */
export class AvroConnection extends EventEmitter<ConnectionEvents> implements ConnectionHealth {
  readonly address: string;
  private currentState: ConnectionState = 'connecting';
  private readonly link: Link;
  private readonly decoder: FrameDecoder;
  protected readonly cache: ProtocolCache;
  private readonly handshake: ClientHandshake;
  private remote: RemoteProtocol | null = null;
  private readonly calls = new PendingCalls();
  private readonly writer: FrameWriter;
  /** Encode buffers reused once the socket wrote them. */
  protected readonly allocate: (size: number) => Buffer;
  private readonly abandonCall: Abandon = (call, error) => this.abandon(call, error);
  private readonly deadlines = new CallDeadlines((now) => this.expireCalls(now));
  private phaseDeadline: Deadline | null;
  private closeError: FlumeRpcError | null = null;
  /** Set by closeWhenIdle: the connection closes with this reason once its last call settles. */
  private closeWhenIdleReason: string | null = null;
  private readyWaiters: Array<{ resolve: () => void; reject: (e: FlumeRpcError) => void }> = [];
  /** Response frames received so far (handshake answers included). */
  private responses = 0;

  constructor(private readonly options: AvroConnectionOptions) {
    super();
    this.address = formatAddress(options.host, options.port);
    this.decoder = new FrameDecoder(resolveLimits(options.limits));
    this.cache = options.protocolCache;
    this.handshake = new ClientHandshake(this.cache, this.address);
    this.phaseDeadline = new Deadline(options.connectTimeoutMs, () =>
      this.fail(new ConnectTimeoutError(this.address, options.connectTimeoutMs)),
    );
    this.link = connectLink(options.host, options.port, options.wire ?? PLAIN_CLIENT_WIRE, {
      up: () => this.onConnect(),
      error: (err, layer) =>
        this.fail(clientLinkError(this.address, err, layer, this.currentState !== 'connecting', this.link.wire)),
    });
    /** The top of the socket stack: frames go in and come out here. */
    const socket: Duplex = this.link.stream;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.writer = new FrameWriter(socket, () => this.flushQueue());
    this.allocate = this.writer.allocate;
    socket.on('close', () => this.fail(peerClosedError(this.address, this.currentState, this.link.wire)));
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** Requests written and not yet answered, plus those waiting to be written. */
  get pendingCount(): number {
    return this.calls.count;
  }

  answerMark(): number {
    return this.responses;
  }

  answeredSince(mark: number): boolean {
    return this.responses !== mark;
  }

  /** Resolves once the handshake is complete; rejects with the error that closed the connection. */
  ready(): Promise<void> {
    if (this.currentState === 'ready') return Promise.resolve();
    if (this.closeError) return Promise.reject(this.closeError);
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /**
   * Sends one call of the local protocol and resolves with the server's response value. The
   * parameters are encoded now, so a bad value fails here and never reaches the wire.
   */
  request(messageName: string, params: Record<string, unknown>, options: CallOptions = {}): Promise<unknown> {
    return this.requestEncoded(messageName, (message) => message.request.toBuffer(params), options);
  }

  protected requestEncoded(
    messageName: string,
    encode: (message: MessageTypes) => Buffer | EncodedParams,
    options: CallOptions = {},
  ): Promise<unknown> {
    const message = this.cache.local.messages.get(messageName);
    if (!message) {
      return Promise.reject(new ProtocolError(`Message ${messageName} is not in protocol ${this.cache.local.name}`));
    }
    let encoded: Buffer | EncodedParams;
    try {
      encoded = encode(message);
    } catch (err) {
      return Promise.reject(
        new ProtocolError(`Cannot encode ${messageName} parameters: ${describe(err)}`, { cause: err }),
      );
    }
    return this.enqueue(messageName, message, encoded, options);
  }

  /**
   * A protocol's shortcut for the answers nearly every call gets, tried before the general
   * decoder for every answer after the handshake: the value, or null to decode it the general way.
   */
  protected plainAnswer(_messageName: string, _body: Buffer, _remote: RemoteProtocol): unknown {
    return null;
  }

  /** Closes the connection; pending calls are rejected with ConnectionClosedError. Idempotent. */
  close(reason = 'closed by the client'): void {
    this.fail(new ConnectionClosedError(`Connection to ${this.address} ${reason}`));
  }

  /**
   * Closes the connection once every call on it has settled, at once when none is pending; calls
   * on it still get their answers. The caller sends no new calls here (they would hold it open).
   */
  closeWhenIdle(reason = 'closed by the client when idle'): void {
    this.closeWhenIdleReason = reason;
    if (this.pendingCount === 0) this.close(reason);
  }

  private enqueue(
    messageName: string,
    message: MessageTypes,
    encoded: Buffer | EncodedParams,
    options: CallOptions,
  ): Promise<unknown> {
    if (this.closeError) return Promise.reject(this.closeError);
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));
    return new Promise((resolve, reject) => {
      const call: PendingCall = {
        messageName,
        message,
        params: Buffer.isBuffer(encoded) ? encoded : encoded.buffer.subarray(encoded.headroom),
        framable: Buffer.isBuffer(encoded) ? null : encoded,
        timeoutMs: options.timeoutMs ?? this.options.requestTimeoutMs,
        resolve,
        reject,
        serial: 0,
        expiresAt: 0,
        detachSignal: null,
      };
      if (signal) watchAbort(call, signal, this.abandonCall);
      // Before the handshake completes, the connect and handshake timeouts bound the wait.
      if (this.currentState === 'ready') startRequestDeadline(call, this.deadlines);
      this.calls.queue.push(call);
      this.writer.schedule();
    });
  }

  private transition(to: ConnectionState): void {
    const from = this.currentState;
    if (!canTransition(from, to)) throw new Error(`Illegal connection transition ${from} -> ${to}`);
    this.currentState = to;
    this.emit('state', to, from);
  }

  private onConnect(): void {
    if (this.currentState !== 'connecting') return;
    this.phaseDeadline?.clear();
    this.transition('handshaking');
    this.phaseDeadline = new Deadline(this.options.handshakeTimeoutMs, () =>
      this.fail(new HandshakeTimeoutError(this.address, this.options.handshakeTimeoutMs)),
    );
    this.sendHandshake(this.calls.queue.shift() ?? pingCall(this.options.handshakeTimeoutMs));
  }

  private sendHandshake(carrier: PendingCall): void {
    this.calls.carry(carrier);
    this.writer.writeFrame(
      carrier.serial,
      encodeRequest(carrier.messageName, carrier.params, this.handshake.nextRequest()),
    );
  }

  /** Writes queued calls while the connection is ready and the socket accepts more. */
  private flushQueue(): void {
    if (this.currentState !== 'ready') return;
    const queue = this.calls.queue;
    this.writer.cork();
    try {
      while (!this.writer.congested && queue.length > 0) {
        const call = queue.shift()!;
        this.write(call);
      }
    } finally {
      this.writer.uncork();
    }
  }

  private write(call: PendingCall): void {
    this.calls.written(call);
    if (call.expiresAt === 0) startRequestDeadline(call, this.deadlines);
    const framable = call.framable;
    if (framable) this.writer.writeFramable(framable, call.serial, call.messageName);
    else this.writer.writeFrame(call.serial, encodeRequest(call.messageName, call.params));
  }

  /**
   * Gives up on one call without touching the connection: a late answer to its serial is
   * ignored. Used for timeouts and aborts.
   */
  private abandon(call: PendingCall, error: FlumeRpcError): void {
    this.calls.forget(call);
    this.settle(call, error);
  }

  /** The deadline sweep: every call past its request timeout fails alone; returns the next deadline. */
  private expireCalls(now: number): number {
    const { expired, next } = this.calls.expiredBy(now);
    for (const call of expired) {
      // A close on the way (closeWhenIdle) has settled every call left.
      if (this.closeError) break;
      this.abandon(call, new RequestTimeoutError(this.address, call.messageName, call.timeoutMs));
    }
    return next;
  }

  private settle(call: PendingCall, outcome: CallOutcome): void {
    unwatch(call);
    if (outcome instanceof FlumeRpcError) call.reject(outcome);
    else call.resolve(outcome.value);
    if (this.closeWhenIdleReason !== null && this.pendingCount === 0) this.close(this.closeWhenIdleReason);
  }

  private onData(chunk: Buffer): void {
    try {
      for (const frame of this.decoder.push(chunk)) {
        this.responses += 1;
        this.onFrame(frame.serial, frameBody(frame));
        if (this.closeError) return;
      }
    } catch (err) {
      this.fail(undecodableBytesError(this.address, err, this.responses === 0 ? chunk : null));
    }
  }

  private onFrame(serial: number, body: Buffer): void {
    const carrier = this.calls.carrier;
    if (carrier && carrier.serial === serial) {
      this.onHandshakeResponse(carrier, body);
      return;
    }
    const call = this.calls.answered(serial, this.address);
    if (call === null) return; // late answer to a call we gave up on
    let outcome: CallOutcome;
    try {
      const plain = this.plainAnswer(call.messageName, body, this.remote!);
      outcome =
        plain !== null
          ? { value: plain }
          : readResponse(this.remote!, call.messageName, call.message!, body, decodeResponseHead(body, false));
    } catch (err) {
      // The connection is about to fail; its error must reach this call too, not only those still pending.
      outcome = err instanceof FlumeRpcError ? err : new ProtocolError(describe(err), { cause: err });
      this.settle(call, outcome);
      throw outcome;
    }
    this.settle(call, outcome);
  }

  /** Reads the handshake answer; until it is fully read the carrier stays pending, so a failure reaches it. */
  private onHandshakeResponse(carrier: PendingCall, body: Buffer): void {
    const head = decodeResponseHead(body, true);
    const established = this.handshake.accept(head.handshake!);
    this.emit('handshake', head.handshake!.match);
    if (!established) {
      this.sendHandshake(carrier);
      return;
    }
    this.remote = this.handshake.remoteProtocol;
    let outcome: CallOutcome = { value: undefined };
    if (carrier.message !== null) {
      if (!head.hasCall)
        throw new ProtocolError(`Handshake answer from ${this.address} carried no response to ${carrier.messageName}`);
      outcome = readResponse(this.remote!, carrier.messageName, carrier.message, body, head);
    }
    this.calls.carrier = null;
    this.phaseDeadline?.clear();
    this.phaseDeadline = null;
    this.transition('ready');
    this.settle(carrier, outcome);
    for (const waiter of this.readyWaiters.splice(0)) waiter.resolve();
    this.flushQueue();
  }

  /** Closes for good: every pending call and ready() waiter gets `error`, socket and timers are released. */
  private fail(error: FlumeRpcError): void {
    if (this.closeError) return;
    this.closeError = error;
    this.deadlines.stop();
    this.phaseDeadline?.clear();
    this.phaseDeadline = null;
    this.transition('closed');
    this.link.destroy();
    for (const call of this.calls.drain()) this.settle(call, error);
    for (const waiter of this.readyWaiters.splice(0)) waiter.reject(error);
    this.emit('close', error);
  }
}
