import { ProtocolError, type FlumeRpcError } from '../errors.js';
import type { EncodedParams } from '../codec/event-encoder.js';
import { PING_MESSAGE } from '../codec/call.js';
import type { MessageTypes } from '../protocol/protocol.js';

export interface CallOptions {
  signal?: AbortSignal | undefined;
  /** Overrides the transceiver's request timeout for this call. */
  timeoutMs?: number | undefined;
}

/** One call, from the moment it is made until it settles. */
export interface PendingCall {
  readonly messageName: string;
  readonly message: MessageTypes | null;
  readonly params: Buffer | null;
  /** The parameters with room in front for the frame and call headers: the call is written as one buffer. */
  readonly framable: EncodedParams | null;
  readonly timeoutMs: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: FlumeRpcError) => void;
  serial: number;
  /** When the request timeout ends (performance.now() ms), once it runs; 0 before. */
  expiresAt: number;
  detachSignal: (() => void) | null;
}

const ignore = (): undefined => undefined;

/** An internal call that carries only the handshake (Avro's empty message name). */
export function pingCall(timeoutMs: number): PendingCall {
  return {
    messageName: PING_MESSAGE,
    message: null,
    params: null,
    framable: null,
    timeoutMs,
    resolve: ignore,
    reject: ignore,
    serial: 0,
    expiresAt: 0,
    detachSignal: null,
  };
}

/**
 * The calls of one connection by where they wait: queued (for the handshake or a drained
 * socket), carrying the handshake, or written and matched to their answer by serial. Answers may
 * come in any order; a late answer to a call given up on is recognised by its serial.
 */
export class PendingCalls {
  /** Calls waiting for the handshake to finish or the socket to drain, in call order. */
  readonly queue: PendingCall[] = [];
  /** Written calls by serial. */
  private readonly inFlight = new Map<number, PendingCall>();
  /** The call that carries the handshake, until the server completes it. */
  carrier: PendingCall | null = null;
  private nextSerial = 1;

  /** Written and unanswered, carrying the handshake, or queued. */
  get count(): number {
    return this.inFlight.size + this.queue.length + (this.carrier ? 1 : 0);
  }

  /** Makes `call` the handshake's carrier under a fresh serial (the first send and a resend alike). */
  carry(call: PendingCall): void {
    this.carrier = call;
    call.serial = this.nextSerial++;
  }

  /** Gives `call` the next serial and waits for the answer to it. */
  written(call: PendingCall): void {
    call.serial = this.nextSerial++;
    this.inFlight.set(call.serial, call);
  }

  /**
   * The written call `serial` answers, no longer pending; null for a late answer to a call given
   * up on. An answer to a serial never sent is a ProtocolError.
   */
  answered(serial: number, address: string): PendingCall | null {
    const call = this.inFlight.get(serial);
    if (!call) {
      if (serial > 0 && serial < this.nextSerial) return null;
      throw new ProtocolError(`Response with serial ${serial} matches no request sent to ${address}`);
    }
    this.inFlight.delete(serial);
    return call;
  }

  /** Forgets `call` wherever it waits, so a late answer to it is ignored. */
  forget(call: PendingCall): void {
    if (this.carrier === call) {
      // The handshake is not done without this answer; the caller stops waiting, the handshake goes on.
      this.carrier = { ...call, resolve: ignore, reject: ignore };
    }
    const queued = this.queue.indexOf(call);
    if (queued >= 0) this.queue.splice(queued, 1);
    if (this.inFlight.get(call.serial) === call) this.inFlight.delete(call.serial);
  }

  /**
   * The written and queued calls whose request timeout ended by `now`, and the earliest deadline
   * of the others (Infinity: none runs). The calls stay pending: the caller gives up on them.
   */
  expiredBy(now: number): { expired: PendingCall[]; next: number } {
    const expired: PendingCall[] = [];
    let next = Number.POSITIVE_INFINITY;
    const check = (call: PendingCall): void => {
      if (call.expiresAt === 0) return;
      if (call.expiresAt <= now) expired.push(call);
      else if (call.expiresAt < next) next = call.expiresAt;
    };
    this.inFlight.forEach(check);
    this.queue.forEach(check);
    return { expired, next };
  }

  /** Every pending call (the handshake's carrier, then written, then queued), leaving none. */
  drain(): PendingCall[] {
    const calls = [...(this.carrier ? [this.carrier] : []), ...this.inFlight.values(), ...this.queue];
    this.carrier = null;
    this.inFlight.clear();
    this.queue.length = 0;
    return calls;
  }
}
