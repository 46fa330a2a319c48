import type { EventBatch, OutgoingEvent } from '../codec/event-batch.js';
import { type EncodedParams, encodeEvent, encodeEventArrayAfter } from '../codec/event-encoder.js';
import { requestHeadroom } from '../codec/request-frame.js';
import { defaultProtocolCache } from '../protocol/default-protocol-cache.js';
import type { ProtocolCache, RemoteProtocol } from '../protocol/protocol-cache.js';
import { FLUME_PROTOCOL, STATUSES, type Status } from '../protocol/protocol.js';
import { type AvroConnectionOptions, type ConnectionEvents, AvroConnection } from './avro-connection.js';
import type { CallOptions } from './pending-calls.js';

export interface TransceiverOptions extends Omit<AvroConnectionOptions, 'protocolCache'> {
  /** Shared protocol knowledge; defaults to one process-wide cache for AvroSourceProtocol. */
  protocolCache?: ProtocolCache;
}

export type TransceiverEvents = ConnectionEvents;

/**
 * A client connection to a Flume Avro source: the generic Avro IPC connection with Flume's two
 * calls on their fast paths. `appendBatch` encodes its events straight into a pooled buffer with
 * room for the frame and call headers in front (one write, no copy), and the three-byte answer
 * OK/FAILED/UNKNOWN of a server with our protocol is read without avsc.
 */
export class Transceiver extends AvroConnection {
  /** The local protocol is Flume's own, whose answers plainStatusAnswer can read. */
  private readonly speaksFlume: boolean;

  constructor(options: TransceiverOptions) {
    super({ ...options, protocolCache: options.protocolCache ?? defaultProtocolCache() });
    this.speaksFlume = this.cache.local.hash.equals(FLUME_PROTOCOL.hash);
  }

  append(event: OutgoingEvent, options?: CallOptions): Promise<Status> {
    return this.requestEncoded('append', () => encodeEvent(event), options) as Promise<Status>;
  }

  /** An EventBatch was checked and measured already; a plain list is checked here. */
  appendBatch(events: readonly OutgoingEvent[] | EventBatch, options?: CallOptions): Promise<Status> {
    const encode = (): EncodedParams => encodeEventArrayAfter(events, requestHeadroom('appendBatch'), this.allocate);
    return this.requestEncoded('appendBatch', encode, options) as Promise<Status>;
  }

  protected override plainAnswer(messageName: string, body: Buffer, remote: RemoteProtocol): Status | null {
    return remote.identical && this.speaksFlume ? plainStatusAnswer(body, messageName) : null;
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
