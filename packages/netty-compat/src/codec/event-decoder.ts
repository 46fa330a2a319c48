import { ProtocolError } from '../errors.js';
import { BatchLimitError } from '../server/server-errors.js';
import type { AvroFlumeEvent } from '../protocol/protocol.js';
import { SHORT_STRING, cachedAscii, shortString } from './short-strings.js';
import { AvroCursor } from './avro-cursor.js';

/**
 * The matching direct decoder, the hot path of every server: bounds are checked as it reads
 * (a declared count or length beyond the bytes present is refused before any loop or
 * allocation), bodies are views of the frame, not copies. Returns the offset after the value.
 */
export function decodeEventArray(
  buf: Buffer,
  offset: number,
  what: string,
  maxEvents = Infinity,
): { value: AvroFlumeEvent[]; offset: number } {
  const reader = new EventReader(buf, offset, what);
  const events: AvroFlumeEvent[] = [];
  for (;;) {
    // The smallest event is two bytes (an empty map and an empty body).
    const count = reader.blockCount(2);
    if (count === 0) break;
    checkBatch(events.length + count, maxEvents);
    for (let i = 0; i < count; i += 1) events.push(reader.event());
  }
  return { value: events, offset: reader.pos };
}

/**
 * Refuses a batch on its declared counts, before the block's events are read: a batch over the
 * cap costs its bytes on the wire, never an object per event.
 */
function checkBatch(declared: number, maxEvents: number): void {
  if (declared > maxEvents) throw new BatchLimitError(declared, maxEvents);
}

export function decodeEvent(buf: Buffer, offset: number, what: string): { value: AvroFlumeEvent; offset: number } {
  const reader = new EventReader(buf, offset, what);
  const event = reader.event();
  return { value: event, offset: reader.pos };
}

/**
 * Checks appendBatch's events exactly as decodeEventArray does (every count and length against
 * the bytes present) and counts them without building them: for a server with no handler that
 * reads events, where building them would be most of its work.
 */
export function countEventArray(
  buf: Buffer,
  offset: number,
  what: string,
  maxEvents = Infinity,
): { value: number; offset: number } {
  const reader = new EventReader(buf, offset, what);
  let events = 0;
  for (;;) {
    const count = reader.blockCount(2);
    if (count === 0) break;
    checkBatch(events + count, maxEvents);
    for (let i = 0; i < count; i += 1) reader.skipEvent();
    events += count;
  }
  return { value: events, offset: reader.pos };
}

export function countEvent(buf: Buffer, offset: number, what: string): { value: number; offset: number } {
  const reader = new EventReader(buf, offset, what);
  reader.skipEvent();
  return { value: 1, offset: reader.pos };
}

class EventReader extends AvroCursor {
  constructor(
    buf: Buffer,
    pos: number,
    private readonly what: string,
  ) {
    super(buf, pos, 8, 'varint too long');
  }

  protected malformed(problem: string, truncated: boolean): never {
    throw new ProtocolError(`${truncated ? 'Truncated' : 'Invalid'} ${this.what}: ${problem}`);
  }

  event(): AvroFlumeEvent {
    const headers: Record<string, string> = {};
    for (;;) {
      // The smallest header is two bytes (empty key and value).
      const count = this.blockCount(2);
      if (count === 0) break;
      for (let i = 0; i < count; i += 1) {
        const key = this.string(cachedAscii);
        const value = this.string();
        // A "__proto__" key is data, not the object's prototype.
        if (key === '__proto__')
          Object.defineProperty(headers, key, { value, enumerable: true, writable: true, configurable: true });
        else headers[key] = value;
      }
    }
    const length = this.length();
    const body = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return { headers, body };
  }

  skipEvent(): void {
    for (;;) {
      const count = this.blockCount(2);
      if (count === 0) break;
      for (let i = 0; i < count; i += 1) {
        this.skip(); // key
        this.skip(); // value
      }
    }
    this.skip(); // body
  }

  /** Steps over one length-prefixed value (string or bytes). */
  private skip(): void {
    const length = this.length();
    this.pos += length;
  }

  /**
   * A length-prefixed string; short ones through `short`. Header keys pass cachedAscii (most are a
   * few names repeated in every event), values shortString.
   */
  private string(short: (b: Buffer, start: number, length: number) => string = shortString): string {
    const length = this.length();
    const start = this.pos;
    this.pos += length;
    return length <= SHORT_STRING ? short(this.buf, start, length) : this.buf.toString('utf8', start, this.pos);
  }
}
