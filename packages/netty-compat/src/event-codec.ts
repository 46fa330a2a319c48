import { ProtocolError } from './errors.js';
import type { AvroFlumeEvent } from './protocol.js';

/**
 * A direct encoder for AvroFlumeEvent lists, the one hot path of every client: sizes are
 * computed first, then the events are written into a single buffer, so nothing is encoded
 * twice or copied after encoding. Produces exactly avsc's (and Java's) bytes.
 */
export function encodeEventArray(events: readonly AvroFlumeEvent[]): Buffer {
  let size = events.length > 0 ? varintSize(events.length) + 1 : 1;
  for (let i = 0; i < events.length; i += 1) size += eventSize(events[i]!, i);
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  if (events.length > 0) {
    offset = writeVarint(out, offset, events.length);
    for (const event of events) offset = writeEvent(out, offset, event);
  }
  out[offset] = 0;
  return out;
}

export function encodeEvent(event: AvroFlumeEvent): Buffer {
  const out = Buffer.allocUnsafe(eventSize(event, 0));
  writeEvent(out, 0, event);
  return out;
}

function eventSize(event: AvroFlumeEvent, index: number): number {
  const headers = event.headers;
  if (typeof headers !== 'object' || headers === null) throw new ProtocolError(`Event ${index}: headers must be an object of strings`);
  let size = 1; // the map's end marker
  let count = 0;
  for (const key in headers) {
    const value = headers[key];
    if (typeof value !== 'string') throw new ProtocolError(`Event ${index}: header ${JSON.stringify(key)} must be a string`);
    size += stringSize(key) + stringSize(value);
    count += 1;
  }
  if (count > 0) size += varintSize(count);
  const body = event.body;
  if (!(body instanceof Uint8Array)) throw new ProtocolError(`Event ${index}: body must be bytes`);
  return size + varintSize(body.length) + body.length;
}

function writeEvent(out: Buffer, offset: number, event: AvroFlumeEvent): number {
  const headers = event.headers;
  let count = 0;
  for (const key in headers) count += 1;
  if (count > 0) {
    offset = writeVarint(out, offset, count);
    for (const key in headers) {
      offset = writeString(out, offset, key);
      offset = writeString(out, offset, headers[key]!);
    }
  }
  out[offset++] = 0;
  offset = writeVarint(out, offset, event.body.length);
  out.set(event.body, offset);
  return offset + event.body.length;
}

/** UTF-8 length, counted in JS: calling into C++ per short header string costs more than the loop. */
function utf8Length(value: string): number {
  if (value.length > 64) return Buffer.byteLength(value, 'utf8');
  let bytes = 0;
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i += 1;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

function stringSize(value: string): number {
  const bytes = utf8Length(value);
  return varintSize(bytes) + bytes;
}

function writeString(out: Buffer, offset: number, value: string): number {
  const bytes = utf8Length(value);
  offset = writeVarint(out, offset, bytes);
  if (bytes === value.length && bytes <= 64) {
    // All ASCII: one byte per char, written in JS for the same reason as above.
    for (let i = 0; i < bytes; i += 1) out[offset + i] = value.charCodeAt(i);
    return offset + bytes;
  }
  return offset + out.write(value, offset, bytes, 'utf8');
}

/** Zig-zag varint of a non-negative count or length (Avro long). */
function varintSize(n: number): number {
  let zigzag = n * 2;
  let size = 1;
  while (zigzag >= 0x80) {
    zigzag = Math.floor(zigzag / 128);
    size += 1;
  }
  return size;
}

function writeVarint(out: Buffer, offset: number, n: number): number {
  let zigzag = n * 2;
  while (zigzag >= 0x80) {
    out[offset++] = (zigzag & 0x7f) | 0x80;
    zigzag = Math.floor(zigzag / 128);
  }
  out[offset++] = zigzag;
  return offset;
}

/**
 * The matching direct decoder, the hot path of every server: bounds are checked as it reads
 * (a declared count or length beyond the bytes present is refused before any loop or
 * allocation), bodies are views of the frame, not copies. Returns the offset after the value.
 */
export function decodeEventArray(buf: Buffer, offset: number, what: string): { value: AvroFlumeEvent[]; offset: number } {
  const reader = new EventReader(buf, offset, what);
  const events: AvroFlumeEvent[] = [];
  for (;;) {
    // The smallest event is two bytes (an empty map and an empty body).
    const count = reader.blockCount(2);
    if (count === 0) break;
    for (let i = 0; i < count; i += 1) events.push(reader.event());
  }
  return { value: events, offset: reader.pos };
}

export function decodeEvent(buf: Buffer, offset: number, what: string): { value: AvroFlumeEvent; offset: number } {
  const reader = new EventReader(buf, offset, what);
  const event = reader.event();
  return { value: event, offset: reader.pos };
}

class EventReader {
  constructor(
    private readonly buf: Buffer,
    public pos: number,
    private readonly what: string,
  ) {}

  event(): AvroFlumeEvent {
    const headers: Record<string, string> = {};
    for (;;) {
      // The smallest header is two bytes (empty key and value).
      const count = this.blockCount(2);
      if (count === 0) break;
      for (let i = 0; i < count; i += 1) {
        const key = this.string();
        const value = this.string();
        // A "__proto__" key is data, not the object's prototype.
        if (key === '__proto__') Object.defineProperty(headers, key, { value, enumerable: true, writable: true, configurable: true });
        else headers[key] = value;
      }
    }
    const length = this.length();
    const body = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return { headers, body };
  }

  /** A block's item count (its byte size skipped when given), checked against the bytes left. */
  blockCount(minItemBytes: number): number {
    let count = this.long();
    if (count < 0) {
      count = -count;
      this.long();
    }
    if (count * minItemBytes > this.buf.length - this.pos) {
      throw new ProtocolError(`Truncated ${this.what}: block count ${count} exceeds the bytes present`);
    }
    return count;
  }

  private string(): string {
    const length = this.length();
    const start = this.pos;
    this.pos += length;
    if (length <= 32) {
      // Short ASCII is decoded in JS: cheaper than a call into C++ per header string.
      let text = '';
      for (let i = start; i < this.pos; i += 1) {
        const byte = this.buf[i]!;
        if (byte >= 0x80) return this.buf.toString('utf8', start, this.pos);
        text += String.fromCharCode(byte);
      }
      return text;
    }
    return this.buf.toString('utf8', start, this.pos);
  }

  private length(): number {
    const length = this.long();
    if (length < 0) throw new ProtocolError(`Invalid ${this.what}: negative length ${length}`);
    if (length > this.buf.length - this.pos) {
      throw new ProtocolError(`Truncated ${this.what}: length ${length} exceeds the bytes present`);
    }
    return length;
  }

  /** A zig-zag varint (Avro long) within the safe integer range. */
  private long(): number {
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 8; i += 1) {
      if (this.pos >= this.buf.length) throw new ProtocolError(`Truncated ${this.what}: ends early`);
      const byte = this.buf[this.pos++]!;
      result += (byte & 0x7f) * shift;
      if ((byte & 0x80) === 0) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      shift *= 128;
    }
    throw new ProtocolError(`Invalid ${this.what}: varint too long`);
  }
}
