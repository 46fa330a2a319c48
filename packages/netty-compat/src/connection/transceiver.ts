import type { Duplex } from 'node:stream';
import { EventEmitter } from 'eventemitter3';
import {
  AbortError,
  ConnectTimeoutError,
  ConnectionClosedError,
  FlumeRpcError,
  HandshakeTimeoutError,
  ProtocolError,
  RemoteError,
  RequestTimeoutError,
  describe,
} from '../errors.js';
import { type ConnectionState, canTransition, formatAddress } from './connection-state.js';
import { Deadline } from './deadline.js';
import { FrameDecoder, encodeFrame, frameBody } from '../codec/frame-codec.js';
import { type FrameLimits, resolveLimits } from '../codec/limits.js';
import { type EncodedParams, encodeEvent, encodeEventArrayAfter } from '../codec/event-encoder.js';
import { frameRequestInPlace, requestHeadroom } from '../codec/request-frame.js';
import { BufferPool } from '../codec/buffer-pool.js';
import { PING_MESSAGE, decodeResponseHead, decodeValue, encodeRequest } from '../codec/call.js';
import { ClientHandshake } from '../protocol/handshake-negotiation.js';
import { type Link, connectLink } from '../transport/stack.js';
import { clientLinkError, peerClosedError, undecodableBytesError } from '../transport/link-errors.js';
import { type ClientWireOptions, PLAIN_CLIENT_WIRE } from '../transport/wire-options.js';
import type { HandshakeMatch } from '../protocol/handshake.js';
import { ProtocolCache, type RemoteProtocol } from '../protocol/protocol-cache.js';
import { FLUME_PROTOCOL, STATUSES, type AvroFlumeEvent, type MessageTypes, type Status } from '../protocol/protocol.js';

export interface TransceiverOptions {
  host: string;
  port: number;
  /** Bound on TCP connect. */
  connectTimeoutMs: number;
  /** Bound on the Avro handshake, from TCP connect to the server's BOTH or CLIENT answer. */
  handshakeTimeoutMs: number;
  /** Bound on each request, from the moment it is written to its response. */
  requestTimeoutMs: number;
  limits?: Partial<FrameLimits>;
  /** Shared protocol knowledge; defaults to one process-wide cache for AvroSourceProtocol. */
  protocolCache?: ProtocolCache;
  /** TLS and compression below the frames (default: plain TCP). The connect timeout covers the TLS handshake too. */
  wire?: ClientWireOptions;
}

export interface CallOptions {
  signal?: AbortSignal | undefined;
  /** Overrides the transceiver's request timeout for this call. */
  timeoutMs?: number | undefined;
}

export interface TransceiverEvents {
  state: (state: ConnectionState, previous: ConnectionState) => void;
  handshake: (match: HandshakeMatch) => void;
  close: (error: FlumeRpcError) => void;
}

interface PendingCall {
  readonly messageName: string;
  readonly message: MessageTypes | null;
  readonly params: Buffer | null;
  /** The parameters with room in front for the frame and call headers: the call is written as one buffer. */
  readonly framable: EncodedParams | null;
  readonly timeoutMs: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: FlumeRpcError) => void;
  serial: number;
  deadline: Deadline | null;
  detachSignal: (() => void) | null;
}

let sharedCache: ProtocolCache | null = null;

/** One cache per process, like Avro Java's static REMOTE_HASHES: a server's hash is learnt once. */
export function defaultProtocolCache(): ProtocolCache {
  sharedCache ??= new ProtocolCache(FLUME_PROTOCOL);
  return sharedCache;
}

/**
 * One TCP connection speaking Avro IPC over Netty framing. It connects at construction, carries
 * the handshake on its first request (a ping if no call is waiting), pipelines calls matched by
 * serial, and on any fatal error rejects every pending call at once and releases socket and
 * timers. It never reconnects: that is the policy layer's job.
 */
export class Transceiver extends EventEmitter<TransceiverEvents> {
  readonly address: string;
  private currentState: ConnectionState = 'connecting';
  private readonly link: Link;
  /** The top of the socket stack: frames go in and come out here. */
  private readonly socket: Duplex;
  private readonly decoder: FrameDecoder;
  private readonly cache: ProtocolCache;
  private readonly handshake: ClientHandshake;
  private remote: RemoteProtocol | null = null;
  /** Calls waiting for the handshake to finish or the socket to drain. */
  private readonly queue: PendingCall[] = [];
  /** Written calls by serial. */
  private readonly inFlight = new Map<number, PendingCall>();
  /** The call that carries the handshake, until the server completes it. */
  private handshakeCarrier: PendingCall | null = null;
  private nextSerial = 1;
  private congested = false;
  private flushScheduled = false;
  private readonly pool = new BufferPool();
  private readonly allocate = (size: number): Buffer => this.pool.take(size);
  /** The local protocol is Flume's own, whose answers plainStatusAnswer can read. */
  private readonly speaksFlume: boolean;
  private phaseDeadline: Deadline | null;
  private closeError: FlumeRpcError | null = null;
  /** Set by closeWhenIdle: the connection closes with this reason once its last call settles. */
  private closeWhenIdleReason: string | null = null;
  private readyWaiters: Array<{ resolve: () => void; reject: (e: FlumeRpcError) => void }> = [];
  /** Time of the last response frame, so the layer above can tell a stalled peer from a slow call. */
  lastResponseAt = 0;
  /**
   * Response frames received so far (handshake answers included). Compare two readings to learn
   * whether anything at all was answered in between: exact, unlike lastResponseAt's milliseconds.
   */
  responsesReceived = 0;

  constructor(private readonly options: TransceiverOptions) {
    super();
    this.address = formatAddress(options.host, options.port);
    this.decoder = new FrameDecoder(resolveLimits(options.limits));
    this.cache = options.protocolCache ?? defaultProtocolCache();
    this.speaksFlume = this.cache.local.hash.equals(FLUME_PROTOCOL.hash);
    this.handshake = new ClientHandshake(this.cache, this.address);
    this.phaseDeadline = new Deadline(options.connectTimeoutMs, () =>
      this.fail(new ConnectTimeoutError(this.address, options.connectTimeoutMs)),
    );
    this.link = connectLink(options.host, options.port, options.wire ?? PLAIN_CLIENT_WIRE, {
      up: () => this.onConnect(),
      error: (err, layer) => this.fail(clientLinkError(this.address, err, layer, this.currentState !== 'connecting', this.link.wire)),
    });
    this.socket = this.link.stream;
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('drain', () => {
      this.congested = false;
      this.flushQueue();
    });
    this.socket.on('close', () => this.fail(peerClosedError(this.address, this.currentState, this.link.wire)));
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** Requests written and not yet answered, plus those waiting to be written. */
  get pendingCount(): number {
    return this.inFlight.size + this.queue.length + (this.handshakeCarrier ? 1 : 0);
  }

  /** Resolves once the handshake is complete; rejects with the error that closed the connection. */
  ready(): Promise<void> {
    if (this.currentState === 'ready') return Promise.resolve();
    if (this.closeError) return Promise.reject(this.closeError);
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  append(event: AvroFlumeEvent, options?: CallOptions): Promise<Status> {
    return this.requestEncoded('append', () => encodeEvent(event), options) as Promise<Status>;
  }

  appendBatch(events: AvroFlumeEvent[], options?: CallOptions): Promise<Status> {
    const encode = (): EncodedParams => encodeEventArrayAfter(events, requestHeadroom('appendBatch'), this.allocate);
    return this.requestEncoded('appendBatch', encode, options) as Promise<Status>;
  }

  /**
   * Sends one call of the local protocol and resolves with the server's response value. The
   * parameters are encoded now, so a bad value fails here and never reaches the wire.
   */
  request(messageName: string, params: Record<string, unknown>, options: CallOptions = {}): Promise<unknown> {
    return this.requestEncoded(messageName, (message) => message.request.toBuffer(params), options);
  }

  private requestEncoded(
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
      return Promise.reject(new ProtocolError(`Cannot encode ${messageName} parameters: ${describe(err)}`, { cause: err }));
    }
    return this.enqueue(messageName, message, encoded, options);
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

  private enqueue(messageName: string, message: MessageTypes, encoded: Buffer | EncodedParams, options: CallOptions): Promise<unknown> {
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
        deadline: null,
        detachSignal: null,
      };
      if (signal) {
        const onAbort = (): void => this.abandon(call, new AbortError(signal.reason));
        signal.addEventListener('abort', onAbort, { once: true });
        call.detachSignal = () => signal.removeEventListener('abort', onAbort);
      }
      // Before the handshake completes, the connect and handshake timeouts bound the wait.
      if (this.currentState === 'ready') this.startDeadline(call);
      this.queue.push(call);
      this.scheduleFlush();
    });
  }

  /**
   * Writes queued calls once the current burst of callbacks is over (process.nextTick runs after
   * the promise jobs in flight): calls made together, as when several answers arrive in one
   * read and each caller sends its next batch, leave in one writev instead of a syscall each.
   */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => {
      this.flushScheduled = false;
      this.flushQueue();
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
    this.sendHandshake(this.queue.shift() ?? this.pingCall());
  }

  /** An internal call that carries only the handshake (Avro's empty message name). */
  private pingCall(): PendingCall {
    return {
      messageName: PING_MESSAGE,
      message: null,
      params: null,
      framable: null,
      timeoutMs: this.options.handshakeTimeoutMs,
      resolve: () => undefined,
      reject: () => undefined,
      serial: 0,
      deadline: null,
      detachSignal: null,
    };
  }

  private sendHandshake(carrier: PendingCall): void {
    this.handshakeCarrier = carrier;
    carrier.serial = this.nextSerial++;
    this.writeFrame(carrier.serial, encodeRequest(carrier.messageName, carrier.params, this.handshake.nextRequest()));
  }

  /** Writes queued calls while the connection is ready and the socket accepts more. */
  private flushQueue(): void {
    if (this.currentState !== 'ready') return;
    this.socket.cork();
    try {
      while (!this.congested && this.queue.length > 0) {
        const call = this.queue.shift()!;
        this.write(call);
      }
    } finally {
      this.socket.uncork();
    }
  }

  private write(call: PendingCall): void {
    call.serial = this.nextSerial++;
    this.inFlight.set(call.serial, call);
    if (call.deadline === null) this.startDeadline(call);
    const framable = call.framable;
    if (framable) {
      // The socket is the last reader of a framed call's buffer; once it is written, it can be reused.
      const written = (err?: Error | null): void => {
        if (!err) this.pool.give(framable.allocation);
      };
      if (!this.socket.write(frameRequestInPlace(framable, call.serial, call.messageName), written)) this.congested = true;
    } else this.writeFrame(call.serial, encodeRequest(call.messageName, call.params));
  }

  /** The request timeout runs while a call waits for a congested socket too, so none waits forever. */
  private startDeadline(call: PendingCall): void {
    call.deadline = new Deadline(call.timeoutMs, () =>
      this.abandon(call, new RequestTimeoutError(this.address, call.messageName, call.timeoutMs)),
    );
  }

  private writeFrame(serial: number, buffers: Buffer[]): void {
    this.socket.cork();
    for (const chunk of encodeFrame(serial, buffers)) this.writeChunk(chunk);
    this.socket.uncork();
  }

  private writeChunk(chunk: Buffer): void {
    if (!this.socket.write(chunk)) this.congested = true;
  }

  /**
   * Gives up on one call without touching the connection: a late answer to its serial is
   * ignored. Used for timeouts and aborts.
   */
  private abandon(call: PendingCall, error: FlumeRpcError): void {
    if (this.handshakeCarrier === call) {
      // The handshake is not done without this answer; the caller stops waiting, the handshake goes on.
      this.handshakeCarrier = { ...call, resolve: () => undefined, reject: () => undefined };
    }
    const queued = this.queue.indexOf(call);
    if (queued >= 0) this.queue.splice(queued, 1);
    if (this.inFlight.get(call.serial) === call) this.inFlight.delete(call.serial);
    this.settle(call, error);
  }

  private settle(call: PendingCall, outcome: FlumeRpcError | { value: unknown }): void {
    call.deadline?.clear();
    call.deadline = null;
    call.detachSignal?.();
    call.detachSignal = null;
    if (outcome instanceof FlumeRpcError) call.reject(outcome);
    else call.resolve(outcome.value);
    if (this.closeWhenIdleReason !== null && this.pendingCount === 0) this.close(this.closeWhenIdleReason);
  }

  private onData(chunk: Buffer): void {
    try {
      for (const frame of this.decoder.push(chunk)) {
        this.lastResponseAt = Date.now();
        this.responsesReceived += 1;
        this.onFrame(frame.serial, frameBody(frame));
        if (this.closeError) return;
      }
    } catch (err) {
      this.fail(undecodableBytesError(this.address, err, this.responsesReceived === 0 ? chunk : null));
    }
  }

  private onFrame(serial: number, body: Buffer): void {
    const carrier = this.handshakeCarrier;
    if (carrier && carrier.serial === serial) {
      this.onHandshakeResponse(carrier, body);
      return;
    }
    const call = this.inFlight.get(serial);
    if (!call) {
      if (serial > 0 && serial < this.nextSerial) return; // late answer to a call we gave up on
      throw new ProtocolError(`Response with serial ${serial} matches no request sent to ${this.address}`);
    }
    this.inFlight.delete(serial);
    let outcome: FlumeRpcError | { value: unknown };
    try {
      outcome = this.readResponse(call, body, false);
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
    let outcome: FlumeRpcError | { value: unknown } = { value: undefined };
    if (carrier.message !== null) {
      if (!head.hasCall) throw new ProtocolError(`Handshake answer from ${this.address} carried no response to ${carrier.messageName}`);
      outcome = this.readResponse(carrier, body, head);
    }
    this.handshakeCarrier = null;
    this.phaseDeadline?.clear();
    this.phaseDeadline = null;
    this.transition('ready');
    this.settle(carrier, outcome);
    for (const waiter of this.readyWaiters.splice(0)) waiter.resolve();
    this.flushQueue();
  }

  /** Decodes a call's response, with the remote protocol's types resolved into ours. */
  private readResponse(
    call: PendingCall,
    body: Buffer,
    knownHead: ReturnType<typeof decodeResponseHead> | false,
  ): FlumeRpcError | { value: unknown } {
    if (!knownHead) {
      const status = this.remote!.identical && this.speaksFlume ? plainStatusAnswer(body, call.messageName) : null;
      if (status !== null) return { value: status };
    }
    const head = knownHead || decodeResponseHead(body, false);
    const message = call.message!;
    const resolvers = this.remote!.resolversFor(call.messageName);
    if (head.isError) {
      const error = decodeValue<unknown>(message.errors, body, head.valueOffset, `${call.messageName} error`, resolvers.errors, resolvers.writer?.errors);
      return new RemoteError(call.messageName, typeof error === 'string' ? error : JSON.stringify(error));
    }
    return { value: decodeValue(message.response, body, head.valueOffset, `${call.messageName} response`, resolvers.response, resolvers.writer?.response) };
  }

  /** Closes for good: every pending call and ready() waiter gets `error`, socket and timers are released. */
  private fail(error: FlumeRpcError): void {
    if (this.closeError) return;
    this.closeError = error;
    this.phaseDeadline?.clear();
    this.phaseDeadline = null;
    this.transition('closed');
    this.link.destroy();
    const calls = [...(this.handshakeCarrier ? [this.handshakeCarrier] : []), ...this.inFlight.values(), ...this.queue];
    this.handshakeCarrier = null;
    this.inFlight.clear();
    this.queue.length = 0;
    for (const call of calls) this.settle(call, error);
    for (const waiter of this.readyWaiters.splice(0)) waiter.reject(error);
    this.emit('close', error);
  }
}

/**
 * The answer nearly every call gets, read without the general decoder: a server with our
 * protocol answering append or appendBatch with empty metadata, no error and a Status, which is
 * exactly three bytes. Anything else returns null and takes the general path.
 */
function plainStatusAnswer(body: Buffer, messageName: string): Status | null {
  if (body.length !== 3 || body[0] !== 0 || body[1] !== 0) return null;
  if (messageName !== 'appendBatch' && messageName !== 'append') return null;
  // The enum index as a zig-zag varint: 0, 2, 4 for OK, FAILED, UNKNOWN; anything else is left to the general path's errors.
  const index = body[2]!;
  return (index & 1) === 0 ? (STATUSES[index >> 1] ?? null) : null;
}
