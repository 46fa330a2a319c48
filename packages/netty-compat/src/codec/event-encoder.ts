import { EventBatch, type OutgoingEvent, VARINT_BOUND } from './event-batch.js';

/**
 * A direct encoder for Flume events, the one hot path of every client. The check and size
 * bound of an EventBatch come first; then one pass writes the exact bytes avsc (and Java) write,
 * ASCII in JS, into one allocation that can keep free room in front for the frame and call
 * headers, so a whole request goes to the socket as a single buffer.
 */
export interface EncodedParams {
  /** `headroom` free bytes, then the encoded parameters up to the end. */
  readonly buffer: Buffer;
  readonly headroom: number;
  /** The whole allocation `buffer` is a view of, for a pool to take back. */
  readonly allocation: Buffer;
}

/** Strings at most this long have a one-byte length varint (zig-zag of 63 is 126). */
const ONE_BYTE_LENGTH = 63;

export function encodeEventArray(events: readonly OutgoingEvent[] | EventBatch): Buffer {
  return encodeEventArrayAfter(events, 0).buffer;
}

export function encodeEvent(event: OutgoingEvent): Buffer {
  return encodeEventArray([event]).subarray(1, -1);
}

/**
 * appendBatch's parameters (the events array) after `headroom` free bytes, in a buffer from
 * `allocate` (which may give more than asked). Events not yet in a batch are checked first
 * (EventBatch.of): a ProtocolError names the first that cannot be encoded.
 */
export function encodeEventArrayAfter(
  events: readonly OutgoingEvent[] | EventBatch,
  headroom: number,
  allocate: (size: number) => Buffer = Buffer.allocUnsafe,
): EncodedParams {
  const batch = events instanceof EventBatch ? events : EventBatch.of(events);
  const list = batch.events;
  const out = allocate(headroom + batch.bytesBound);
  let offset = headroom;
  if (list.length > 0) {
    offset = writeLength(out, offset, list.length);
    for (let i = 0; i < list.length; i += 1) offset = writeEvent(out, offset, list[i]!);
  }
  out[offset++] = 0;
  return { buffer: out.subarray(0, offset), headroom, allocation: out };
}

function writeEvent(out: Buffer, offset: number, event: OutgoingEvent): number {
  offset = writeHeaders(out, offset, event.headers);
  out[offset++] = 0;
  const body = event.body;
  offset = writeLength(out, offset, body.length);
  out.set(body, offset);
  return offset + body.length;
}

/**
 * The headers map as one block (count, entries), walked once: the entries are written behind a
 * one-byte count, which is filled in after, and moved up in the rare map of more than 63 entries
 * whose count takes more bytes. An empty map is no block at all.
 */
function writeHeaders(out: Buffer, offset: number, headers: Readonly<Record<string, string>>): number {
  const countAt = offset;
  offset += 1;
  let count = 0;
  for (const key in headers) {
    offset = writeString(out, offset, key);
    offset = writeString(out, offset, headers[key]!);
    count += 1;
  }
  if (count === 0) return countAt;
  if (count <= ONE_BYTE_LENGTH) {
    out[countAt] = count << 1;
    return offset;
  }
  // The count's varint takes more than the one byte kept for it (eventBound allowed for all five).
  const countBytes = writeLength(COUNT_SCRATCH, 0, count);
  out.copyWithin(countAt + countBytes, countAt + 1, offset);
  out.set(COUNT_SCRATCH.subarray(0, countBytes), countAt);
  return offset + countBytes - 1;
}

/** Where a long map count is encoded before the entries are moved up to make room for it. */
const COUNT_SCRATCH = Buffer.alloc(VARINT_BOUND);

/**
 * Short ASCII strings, nearly every header, are written char by char behind a one-byte length:
 * a call into C++ per string costs more than the loop. Anything else takes Buffer's UTF-8 path.
 */
function writeString(out: Buffer, offset: number, value: string): number {
  const length = value.length;
  if (length <= ONE_BYTE_LENGTH) {
    let i = 0;
    for (; i < length; i += 1) {
      const code = value.charCodeAt(i);
      if (code >= 0x80) break;
      out[offset + 1 + i] = code;
    }
    if (i === length) {
      out[offset] = length << 1;
      return offset + 1 + length;
    }
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  offset = writeLength(out, offset, bytes);
  return offset + out.write(value, offset, bytes, 'utf8');
}

/** Zig-zag varint (Avro long) of a non-negative count or length. */
function writeLength(out: Buffer, offset: number, n: number): number {
  if (n <= ONE_BYTE_LENGTH) {
    out[offset] = n << 1;
    return offset + 1;
  }
  let zigzag = n * 2;
  while (zigzag >= 0x80) {
    out[offset++] = (zigzag & 0x7f) | 0x80;
    zigzag = Math.floor(zigzag / 128);
  }
  out[offset++] = zigzag;
  return offset;
}
