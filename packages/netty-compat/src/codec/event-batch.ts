import { ProtocolError } from '../errors.js';

/**
 * An event as the encoder takes it: Flume's record with any bytes as the body (a Buffer is one;
 * a plain Uint8Array is written the same, without a view made of it first).
 */
export interface OutgoingEvent {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** An Avro long (zig-zag varint) of a 32-bit length takes at most 5 bytes. */
export const VARINT_BOUND = 5;

/**
 * Events checked once for the wire, with an upper bound of their encoded size: the check and the
 * size are one walk over the events, which encoding a batch needs anyway, so a client that checks
 * its caller's events this way pays for that walk once. The batch keeps the array it was given:
 * whoever makes one hands over an array no one changes afterwards.
 */
export class EventBatch {
  private constructor(
    readonly events: readonly OutgoingEvent[],
    /** At least the bytes encodeEventArray writes for these events. */
    readonly bytesBound: number,
  ) {}

  get length(): number {
    return this.events.length;
  }

  /** Checks every event; a ProtocolError names the first that is not plain-object headers of strings and a byte body. */
  static of(events: readonly OutgoingEvent[]): EventBatch {
    const batch = EventBatch.tryOf(events);
    if (batch) return batch;
    const index = events.findIndex((event) => eventBound(event) < 0);
    throw new ProtocolError(`Event ${index}: ${shapeFault(events[index])}`);
  }

  /** The same check without an error: null when any event is not of that shape, for callers that convert such events. */
  static tryOf(events: readonly unknown[]): EventBatch | null {
    let bound = 2 * VARINT_BOUND;
    for (let i = 0; i < events.length; i += 1) {
      const eventBytes = eventBound(events[i]);
      if (eventBytes < 0) return null;
      bound += eventBytes;
    }
    return new EventBatch(events as readonly OutgoingEvent[], bound);
  }

  /** Events [start, end) as a batch of their own. */
  slice(start: number, end: number): EventBatch {
    return EventBatch.of(this.events.slice(start, end));
  }
}

/**
 * Upper bound of one event's bytes (string lengths times three, the most UTF-8 takes per UTF-16
 * unit), or -1 when the event is not plain-object headers of strings with a byte body. A Map or
 * class instance as headers is refused: for...in would find no entries and drop them silently.
 */
export function eventBound(event: unknown): number {
  if (typeof event !== 'object' || event === null) return -1;
  const { headers, body } = event as { headers?: unknown; body?: unknown };
  // instanceof Uint8Array, not Buffer.isBuffer: a third of the cost, and the encoder takes either.
  if (!(body instanceof Uint8Array) || !isPlainObject(headers)) return -1;
  let bound = 2 * VARINT_BOUND + 1 + body.length;
  for (const key in headers) {
    const value = headers[key];
    if (typeof value !== 'string') return -1;
    bound += 3 * (key.length + value.length) + 2 * VARINT_BOUND;
  }
  return bound;
}

/** What makes an event unencodable (eventBound gave -1). */
function shapeFault(event: unknown): string {
  if (typeof event !== 'object' || event === null) return 'not an object';
  const { headers, body } = event as { headers?: unknown; body?: unknown };
  if (!(body instanceof Uint8Array)) return 'body must be bytes (a Uint8Array or Buffer)';
  if (isPlainObject(headers)) {
    for (const key in headers) {
      if (typeof headers[key] !== 'string') return `header ${JSON.stringify(key)} must be a string`;
    }
  }
  return 'headers must be a plain object of strings';
}

/** An object literal or Object.create(null): not an array, a Map or any other class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
