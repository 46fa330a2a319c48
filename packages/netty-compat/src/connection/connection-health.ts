import type { ConnectionState } from './connection-state.js';

/**
 * What the policy layer reads of one connection to decide about it, and nothing else: where it
 * is in its life, and whether the peer answered anything since a given moment (to tell a stalled
 * connection from one call that is slow). Read-only; the connection's counters stay its own.
 */
export interface ConnectionHealth {
  /** connecting, handshaking, ready, or closed (final). */
  readonly state: ConnectionState;
  /** A mark of what was answered so far; hand it to answeredSince later. */
  answerMark(): number;
  /**
   * Whether any response frame at all (an answer to any call, handshake answers included) arrived
   * after `mark` was taken. Exact, unlike comparing timestamps, which cannot order an answer
   * within the millisecond of the mark.
   */
  answeredSince(mark: number): boolean;
}
