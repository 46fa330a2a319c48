import { type AvroFlumeEvent, EventBatch, isPlainObject } from '@flume-rpc/netty-compat';
import { EventValidationError } from './errors.js';

/** A Flume event: string headers and a byte body. */
export interface Event {
  headers: Record<string, string>;
  body: Uint8Array;
}

export const EventBuilder = {
  /** An event from a UTF-8 string or bytes, with optional headers (copied). */
  withBody(body: string | Uint8Array, headers: Record<string, string> = {}): Event {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    return toWireEvent({ headers: { ...headers }, body: bytes }, 0);
  },
};

/**
 * Checks every event of a list, in order, before any is sent, and measures them for the encoder
 * in the same walk. The batch holds a copy of the list, which the caller can no longer change.
 * Events of the usual shape (a Buffer body, a plain object of strings) are taken as they are;
 * if any is not, every event is converted or refused with what is wrong.
 */
export function toEventBatch(events: unknown): EventBatch {
  if (!Array.isArray(events)) throw new EventValidationError(`events must be an array, got ${typeName(events)}`);
  const copy = events.slice() as unknown[];
  return EventBatch.tryOf(copy) ?? EventBatch.of(copy.map((event, index) => toWireEvent(event, index)));
}

/**
 * Checks an event from untyped callers and gives the wire record, converting what needs it (a
 * string or Uint8Array body, no headers; the body is viewed, not copied) or refusing it with what
 * is wrong. Runs before anything is sent, so one bad event fails the call and nothing goes out.
 */
export function toWireEvent(event: unknown, index: number): AvroFlumeEvent {
  const where = `event ${index}`;
  if (typeof event !== 'object' || event === null) {
    throw new EventValidationError(`${where} is not an object`);
  }
  const { headers, body } = event as { headers?: unknown; body?: unknown };
  let wireBody: Buffer;
  if (Buffer.isBuffer(body)) wireBody = body;
  else if (body instanceof Uint8Array) wireBody = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  else if (typeof body === 'string') wireBody = Buffer.from(body, 'utf8');
  else throw new EventValidationError(`${where}: body must be bytes (Uint8Array) or a string, got ${typeName(body)}`);
  const wireHeaders = headers ?? {};
  // A plain object only: a Map (or any class instance) has no own entries to send, and its
  // headers would be dropped without a word.
  if (!isPlainObject(wireHeaders)) {
    throw new EventValidationError(`${where}: headers must be an object of strings, got ${typeName(headers)}`);
  }
  for (const key in wireHeaders) {
    const value = wireHeaders[key];
    if (typeof value !== 'string') {
      throw new EventValidationError(
        `${where}: header ${JSON.stringify(key)} must be a string, got ${typeName(value)}`,
      );
    }
  }
  return { headers: wireHeaders as Record<string, string>, body: wireBody };
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object' && !isPlainObject(value)) {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string' && name !== '') return name;
  }
  return typeof value;
}
