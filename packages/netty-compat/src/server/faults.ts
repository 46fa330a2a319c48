import type { Status } from '../protocol/protocol.js';

/**
 * Misbehaviour a server can be told to show, for tests, benchmarks and `flume-rpc serve`. Every
 * field can be changed while the server runs; a change applies to requests that arrive after it.
 */
export interface FaultPlan {
  /** Hold every handshake answer this long (Infinity: never answer). */
  handshakeStallMs: number;
  /** Hold every call's answer this long. */
  responseDelayMs: number;
  /** Answer every call with this status instead of asking the handlers. */
  forceStatus: Status | null;
  /** Close the connection when a call arrives, without answering it, for the next N calls. */
  closeOnNextCalls: number;
  /** Close every Nth accepted connection straight away (0: never). */
  dropEveryNthConnection: number;
}

export function noFaults(): FaultPlan {
  return { handshakeStallMs: 0, responseDelayMs: 0, forceStatus: null, closeOnNextCalls: 0, dropEveryNthConnection: 0 };
}
