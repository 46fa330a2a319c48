import type { AvroFlumeEvent } from '@flume-rpc/netty-compat';

const HEX = '0123456789ABCDEF';

/**
 * One event as Flume's logger sink logs it (EventHelper.dumpEvent): Java-style headers, then a
 * hex dump of the first `maxBytes` body bytes (16 per row) with their printable ASCII, e.g.
 *   Event: { headers:{host=web-1} body: 68 65 6C 6C 6F                hello }
 */
export function dumpEvent(event: AvroFlumeEvent, maxBytes = 16): string {
  const headers = `{${Object.entries(event.headers)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ')}}`;
  const body = event.body.subarray(0, Math.max(0, maxBytes));
  const rows: string[] = [];
  for (let offset = 0; offset < body.length; offset += 16) {
    const row = body.subarray(offset, offset + 16);
    let hex = '';
    let text = '';
    for (let i = 0; i < 16; i += 1) {
      if (i < row.length) {
        const byte = row[i]!;
        hex += `${HEX[byte >> 4]}${HEX[byte & 15]} `;
        text += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.';
      } else {
        hex += '   ';
      }
    }
    // Flume drops the offset of the first row; later rows keep theirs, as commons-io prints them.
    rows.push(offset === 0 ? ` ${hex}${text}` : `${offset.toString(16).toUpperCase().padStart(8, '0')} ${hex}${text}`);
  }
  return `Event: { headers:${headers} body:${rows.join('\n')} }`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** One JSON line per event: headers, and the body as text when it is valid UTF-8, else base64. */
export function jsonLine(event: AvroFlumeEvent): string {
  let body: string;
  let encoding: 'utf8' | 'base64';
  try {
    body = utf8.decode(event.body);
    encoding = 'utf8';
  } catch {
    body = Buffer.from(event.body.buffer, event.body.byteOffset, event.body.byteLength).toString('base64');
    encoding = 'base64';
  }
  return `${JSON.stringify({ headers: event.headers, body, bodyEncoding: encoding })}\n`;
}

export function formatRate(events: number, elapsedMs: number): string {
  if (elapsedMs <= 0) return '0';
  return Math.round((events * 1000) / elapsedMs).toString();
}

export function formatSeconds(ms: number): string {
  return (ms / 1000).toFixed(ms < 10_000 ? 2 : 1);
}

/** Error text on one line (some causes carry newlines). */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
