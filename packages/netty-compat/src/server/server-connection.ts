import type { Duplex } from 'node:stream';
import { FlumeRpcError, ProtocolError, describe } from '../errors.js';
import { FrameDecoder, encodeFrame } from '../codec/frame-codec.js';
import type { FrameLimits } from '../codec/limits.js';
import {
  type DecodedRequestFrame,
  PING_MESSAGE,
  decodeRequestFrame,
  decodeValue,
  encodeResponse,
  encodeSystemError,
} from '../codec/call.js';
import { answerHandshake } from '../protocol/handshake-negotiation.js';
import type { HandshakeResponse } from '../protocol/handshake.js';
import type { ProtocolCache, RemoteProtocol } from '../protocol/protocol-cache.js';
import type { FaultPlan } from './faults.js';
import type { MessageTypes } from '../protocol/protocol.js';
import { countEvent, countEventArray, decodeEvent, decodeEventArray } from '../codec/event-decoder.js';
import { undecodableBytesError } from '../transport/link-errors.js';
import type { ServerLimits } from './server-limits.js';
import { BatchLimitError, ServerOverloadError, type ServerTimeout, ServerTimeoutError } from './server-errors.js';
import { ConnectionClock } from './connection-clock.js';

/** What the connection asks of its server: the call handler, the fault plan, and where errors go. */
export interface ConnectionHost {
  readonly cache: ProtocolCache;
  readonly limits: FrameLimits;
  readonly bounds: ServerLimits;
  readonly faults: FaultPlan;
  /** False when no handler reads the events of `messageName`: they are then checked and counted, not built. */
  readsEvents(messageName: string): boolean;
  /** Runs a decoded call and returns the response value (a Status for AvroSourceProtocol), or a promise of it. */
  invoke(call: ServerCall): unknown;
  onConnectionError(error: FlumeRpcError, remoteAddress: string): void;
  /** A call refused without running its handler; it was answered with an error and the connection stays. */
  onCallRefused(error: BatchLimitError, remoteAddress: string): void;
  /** The bytes this connection holds in an unfinished frame changed by `delta` (server-wide bound). */
  onPartialFrameBytes(delta: number): void;
}

/** A call as the server's handlers get it. */
export interface ServerCall {
  readonly messageName: string;
  /** The decoded parameters; null when the events were only checked and counted (nobody reads them). */
  readonly params: Record<string, unknown> | null;
  readonly eventCount: number;
}

type DelayKind = 'handshake' | 'response' | 'none';
type CallOutcome = { value: unknown } | { error: unknown };

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
type ServerConnectionState = 'handshaking' | 'ready' | 'closing' | 'closed';

/** How long a connection that broke the protocol may take to finish answers already accepted. */
const CLOSING_GRACE_MS = 1_000;

/**
 * One accepted connection: answers the handshake as Flume's Avro source does, then calls, each
 * answered when its handler finishes (so answers may overtake each other; serials match them).
 * A malformed frame or call closes this connection only.
 */
export class ServerConnection {
  private state: ServerConnectionState = 'handshaking';
  private readonly decoder: FrameDecoder;
  private remote: RemoteProtocol | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Calls accepted whose answers are not written yet. */
  private answering = 0;
  private readonly held: Array<{ kind: DelayKind; action: () => void }> = [];
  private framesRead = 0;
  /** The handshake, idle and frame-read bounds, on one timer. */
  private readonly clock: ConnectionClock;
  /** Bytes of an unfinished frame last reported to the host. */
  private partialBytes = 0;
  /** Inside onData: the timers are set once at the end of the chunk, not per call answered. */
  private reading = false;

  /** `socket` is the top of the connection's socket stack (plain TCP, TLS, zlib): frames flow there. */
  constructor(
    private readonly socket: Duplex,
    readonly remoteAddress: string,
    private readonly host: ConnectionHost,
  ) {
    this.decoder = new FrameDecoder(host.limits);
    const bounds = host.bounds;
    this.clock = new ConnectionClock(Math.min(bounds.idleTimeoutMs, bounds.frameReadTimeoutMs), (bound, ms) =>
      this.timedOut(bound, ms),
    );
    this.clock.set('handshake', bounds.handshakeTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.close());
    socket.on('end', () => {
      if (!this.decoder.atFrameBoundary) {
        this.fail(new ProtocolError(`Connection ended inside a frame (${this.decoder.bufferedBytes} bytes held)`));
      }
    });
  }

  /** Re-schedules held actions under the current fault plan (after it changed). */
  releaseHeld(): void {
    for (const { kind, action } of this.held.splice(0)) this.later(kind, action);
  }

  /** Bytes of an unfinished frame this connection holds. */
  get heldBytes(): number {
    return this.partialBytes;
  }

  /** Closed by the server-wide bound on unfinished frames (see AvroSourceServer.onPartialFrameBytes). */
  shed(limitBytes: number): void {
    this.fail(new ServerOverloadError(this.remoteAddress, this.partialBytes, limitBytes));
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.clock.stop();
    this.release();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.held.length = 0;
    this.socket.destroy();
  }

  /** A layer below the frames failed (TLS refused, not a zlib stream, reset): reported, then closed. */
  linkFailed(error: FlumeRpcError): void {
    if (this.state === 'closed') return;
    if (this.state !== 'closing') this.host.onConnectionError(error, this.remoteAddress);
    this.close();
  }

  /**
   * Stops reading at the first protocol error, but lets calls the handlers already accepted get
   * their answers (bounded by a grace period): their events are committed, and an answer lost
   * here would make the client resend them.
   */
  private fail(error: FlumeRpcError): void {
    if (this.state === 'closed' || this.state === 'closing') return;
    this.state = 'closing';
    // Nothing more is read: the unfinished frame is dropped and the bounds stop here.
    this.clock.stop();
    this.release();
    this.host.onConnectionError(error, this.remoteAddress);
    this.socket.pause();
    const grace = setTimeout(() => this.close(), CLOSING_GRACE_MS);
    this.timers.add(grace);
    this.endIfIdle();
  }

  private endIfIdle(): void {
    if (this.state !== 'closing' || this.answering > 0) return;
    // end() rather than destroy(): answers already written still reach the client.
    this.socket.end(() => this.close());
  }

  private timedOut(bound: ServerTimeout, ms: number): void {
    this.fail(new ServerTimeoutError(this.remoteAddress, bound, ms));
  }

  /** Stops counting the unfinished frame, and drops its bytes: nothing more is read. */
  private release(): void {
    this.decoder.discard();
    if (this.partialBytes === 0) return;
    const held = this.partialBytes;
    this.partialBytes = 0;
    this.host.onPartialFrameBytes(-held);
  }

  /**
   * After each chunk (and each late answer): once the handshake is done, a connection inside a
   * frame has until the frame-read deadline of that frame; one between frames is idle only while
   * none of its calls is being answered. Before the handshake its deadline is fixed at accept.
   */
  private watch(framesCompleted: boolean): void {
    if (this.state !== 'ready') return;
    if (!this.decoder.atFrameBoundary) {
      // A frame completed in this chunk means the bytes held now belong to a new one.
      if (framesCompleted || this.clock.current !== 'frame-read')
        this.clock.set('frame-read', this.host.bounds.frameReadTimeoutMs);
    } else if (this.answering === 0) {
      this.clock.set('idle', this.host.bounds.idleTimeoutMs);
    } else {
      this.clock.clear();
    }
  }

  /** Reports the change in bytes held by an unfinished frame to the server-wide bound. */
  private account(): void {
    const held = this.decoder.bufferedBytes;
    if (held === this.partialBytes) return;
    const delta = held - this.partialBytes;
    this.partialBytes = held;
    this.host.onPartialFrameBytes(delta);
  }

  private onData(chunk: Buffer): void {
    const framesBefore = this.framesRead;
    this.reading = true;
    // Answers to every request in this chunk that handlers settle at once leave in one write.
    this.socket.cork();
    try {
      for (const frame of this.decoder.push(chunk)) {
        if (this.state === 'closed' || this.state === 'closing') return;
        this.framesRead += 1;
        this.onRequest(frame.serial, decodeRequestFrame(frame.buffers, this.state === 'handshaking'));
      }
    } catch (err) {
      this.fail(undecodableBytesError(`Client ${this.remoteAddress}`, err, this.framesRead === 0 ? chunk : null));
    } finally {
      this.reading = false;
      this.socket.uncork();
    }
    if (this.state !== 'handshaking' && this.state !== 'ready') return;
    this.watch(this.framesRead !== framesBefore);
    this.account();
  }

  private onRequest(serial: number, head: DecodedRequestFrame): void {
    let handshake: HandshakeResponse | null = null;
    if (head.handshake) {
      const answer = answerHandshake(this.host.cache, head.handshake);
      handshake = answer.response;
      if (answer.remote === null) {
        // Like avsc, and readable by Java: the handshake answer plus an error for the call.
        const error = encodeSystemError(this.anyErrors(), 'unknown client protocol hash');
        this.later('handshake', () => this.send(serial, encodeResponse(handshake, { error: true, value: error })));
        return;
      }
      this.remote = answer.remote;
      this.state = 'ready';
    }
    if (head.messageName === PING_MESSAGE) {
      this.later('handshake', () => this.send(serial, encodeResponse(handshake, null)));
      return;
    }
    this.later(handshake ? 'handshake' : 'none', () =>
      this.answerCall(serial, head.messageName!, head.params, head.paramsOffset, handshake),
    );
  }

  private answerCall(
    serial: number,
    messageName: string,
    body: Buffer,
    offset: number,
    handshake: HandshakeResponse | null,
  ): void {
    const local = this.host.cache.local.messages.get(messageName);
    if (!local) {
      // A typed answer the client can read, then the connection goes: its peer speaks another protocol.
      this.send(
        serial,
        encodeResponse(handshake, {
          error: true,
          value: encodeSystemError(this.anyErrors(), `No such message: ${messageName}`),
        }),
      );
      this.fail(new ProtocolError(`Unknown message ${JSON.stringify(messageName)}`));
      return;
    }
    const faults = this.host.faults;
    if (faults.closeOnNextCalls > 0) {
      faults.closeOnNextCalls -= 1;
      this.close();
      return;
    }
    let call: ServerCall;
    let refused: BatchLimitError | null = null;
    try {
      call = this.decodeCall(local, messageName, body, offset);
    } catch (err) {
      if (!(err instanceof BatchLimitError)) throw err;
      call = { messageName, params: null, eventCount: 0 };
      refused = err;
    }
    this.answering += 1;
    const answer = (outcome: CallOutcome): void => this.answer(serial, messageName, local, handshake, outcome);
    if (refused !== null) {
      // An error answer the client reads as a RemoteError; the frame was read whole, so the
      // connection is still in step and stays usable for smaller batches.
      this.host.onCallRefused(refused, this.remoteAddress);
      answer({ error: refused });
      return;
    }
    let result: unknown;
    try {
      result = this.host.invoke(call);
    } catch (err) {
      answer({ error: err });
      return;
    }
    // Handlers that answer at once are answered at once: no promise hop per call on the hot path.
    if (isThenable(result))
      result.then(
        (value) => answer({ value }),
        (err: unknown) => answer({ error: err }),
      );
    else answer({ value: result });
  }

  private answer(
    serial: number,
    messageName: string,
    local: MessageTypes,
    handshake: HandshakeResponse | null,
    outcome: CallOutcome,
  ): void {
    let encoded: { error: boolean; value: Buffer };
    try {
      encoded =
        'error' in outcome
          ? { error: true, value: encodeSystemError(local.errors, describe(outcome.error)) }
          : { error: false, value: local.response.toBuffer(outcome.value) };
    } catch (err) {
      this.answered();
      this.fail(new ProtocolError(`Cannot encode ${messageName} response: ${describe(err)}`, { cause: err }));
      return;
    }
    this.later('response', () => {
      this.send(serial, encodeResponse(handshake, encoded));
      this.answered();
    });
  }

  private answered(): void {
    this.answering -= 1;
    if (this.answering === 0 && !this.reading) this.watch(false);
    this.endIfIdle();
  }

  /**
   * Flume's own messages from a client with our protocol take the direct decoder, or, when no
   * handler reads their events, the direct check-and-count; others go through avsc.
   */
  private decodeCall(local: MessageTypes, messageName: string, body: Buffer, offset: number): ServerCall {
    const what = `${messageName} parameters`;
    const maxEvents = this.host.bounds.maxBatchEvents;
    if (this.remote!.identical && (messageName === 'appendBatch' || messageName === 'append')) {
      const batch = messageName === 'appendBatch';
      if (!this.host.readsEvents(messageName)) {
        const counted = batch ? countEventArray(body, offset, what, maxEvents) : countEvent(body, offset, what);
        expectEnd(body, counted.offset, what);
        return { messageName, params: null, eventCount: counted.value };
      }
      const decoded = batch ? decodeEventArray(body, offset, what, maxEvents) : decodeEvent(body, offset, what);
      expectEnd(body, decoded.offset, what);
      return batch
        ? { messageName, params: { events: decoded.value }, eventCount: (decoded.value as unknown[]).length }
        : { messageName, params: { event: decoded.value }, eventCount: 1 };
    }
    const resolvers = this.remote!.resolversFor(messageName);
    const params = decodeValue<Record<string, unknown>>(
      local.request,
      body,
      offset,
      what,
      resolvers.request,
      resolvers.writer?.request,
    );
    const events = params['events'];
    // A peer with another protocol is decoded by avsc, so its batch is counted after the fact
    // (its memory was bounded by maxFrameBytes); the handler still never sees it.
    if (Array.isArray(events) && events.length > maxEvents) throw new BatchLimitError(events.length, maxEvents);
    return { messageName, params, eventCount: Array.isArray(events) ? events.length : 1 };
  }

  private anyErrors(): MessageTypes['errors'] {
    return this.host.cache.local.messages.values().next().value!.errors;
  }

  /**
   * Runs `action` after the delay the fault plan sets for `kind` (at once when none). With an
   * infinite delay the action is held until releaseHeld(), as a stalled agent that recovers
   * answers what it held. Pending ones are dropped when the connection closes.
   */
  private later(kind: DelayKind, action: () => void): void {
    const ms =
      kind === 'handshake'
        ? this.host.faults.handshakeStallMs
        : kind === 'response'
          ? this.host.faults.responseDelayMs
          : 0;
    const guarded = (): void => {
      if (this.state === 'closed') return;
      try {
        action();
      } catch (err) {
        this.fail(err instanceof FlumeRpcError ? err : new ProtocolError(describe(err), { cause: err }));
      }
    };
    if (ms <= 0) {
      guarded();
      return;
    }
    if (!Number.isFinite(ms)) {
      this.held.push({ kind, action });
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      guarded();
    }, ms);
    this.timers.add(timer);
  }

  private send(serial: number, buffers: Buffer[]): void {
    if (this.state === 'closed') return;
    let accepted = true;
    this.socket.cork();
    for (const chunk of encodeFrame(serial, buffers)) accepted = this.socket.write(chunk);
    this.socket.uncork();
    // A client that does not read its answers stops being read from, so neither side's buffers grow.
    if (!accepted && !this.socket.isPaused()) {
      this.socket.pause();
      this.socket.once('drain', () => this.socket.resume());
    }
  }
}

function expectEnd(body: Buffer, offset: number, what: string): void {
  if (offset !== body.length) throw new ProtocolError(`${body.length - offset} unexpected bytes after ${what}`);
}
