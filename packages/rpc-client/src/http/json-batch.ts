// TEMPORARY stand-in until the helper's encoder lands (UTF-8 only).
import { isUtf8 } from 'node:buffer';
import type { HttpCharset } from '../config/config.js';
import { EventValidationError } from '../errors.js';
export type { HttpCharset };
export function contentType(charset: HttpCharset): string {
  return `application/json; charset=${charset}`;
}
export function encodeJsonBatch(
  events: ReadonlyArray<{ headers: Record<string, string>; body: Buffer }>,
  charset: HttpCharset,
  firstIndex = 0,
): Buffer {
  const list = events.map((event, index) => {
    if (!isUtf8(event.body)) throw new EventValidationError(`event ${firstIndex + index}: body is not ${charset}`);
    return { headers: event.headers, body: event.body.toString('utf8') };
  });
  return Buffer.from(JSON.stringify(list), 'utf8');
}
