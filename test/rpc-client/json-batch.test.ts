/**
 * The HTTP transport's request body: the JSON array Flume's JSONHandler reads, in the request's
 * charset. What matters is what Flume stores, `body.getBytes(charset)` of each decoded JSON body:
 * the request is decoded here with the platform's own decoders (TextDecoder, Buffer), never with
 * the encoder's own code, and the bytes Java would write are computed from the decoded text.
 * Bodies that are not text in the charset are refused, naming the event and the charset.
 */
import { isUtf8 } from 'node:buffer';
import t from 'tap';
import fc from 'fast-check';
import { EventValidationError } from '@flume-rpc/rpc-client';
import {
  contentType,
  encodeJsonBatch,
  parseHttpCharset,
  type HttpCharset,
  type JsonBatchEvent,
} from '@flume-rpc/rpc-client/internal';

interface JsonEvent {
  headers: Record<string, string>;
  body: string;
}

/** The request as Java reads it: UTF-16 and UTF-32 honour a byte-order mark and default to big-endian. */
function decodeRequest(bytes: Buffer, charset: HttpCharset): JsonEvent[] {
  let text: string;
  if (charset === 'UTF-8') text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  else if (charset === 'UTF-16') text = new TextDecoder('utf-16be', { fatal: true }).decode(bytes);
  else text = decodeUtf32BigEndian(bytes);
  return JSON.parse(text) as JsonEvent[];
}

function decodeUtf32BigEndian(bytes: Buffer): string {
  if (bytes.length % 4 !== 0) throw new Error(`UTF-32 request of ${bytes.length} bytes`);
  let text = '';
  for (let at = 0; at < bytes.length; at += 4) text += String.fromCodePoint(bytes.readUInt32BE(at));
  return text;
}

/** Java's `text.getBytes(charset)` for well-formed text: UTF-16 is FE FF then big-endian (nothing for ''), UTF-32 big-endian with no mark. */
function javaBytes(text: string, charset: HttpCharset): Buffer {
  if (charset === 'UTF-8') return Buffer.from(text, 'utf8');
  if (charset === 'UTF-16') {
    if (text === '') return Buffer.alloc(0);
    return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
  }
  const codePoints = [...text].map((char) => char.codePointAt(0) as number);
  const bytes = Buffer.alloc(codePoints.length * 4);
  codePoints.forEach((codePoint, index) => bytes.writeUInt32BE(codePoint, index * 4));
  return bytes;
}

/** What Flume stores for each event of the request. */
function stored(bytes: Buffer, charset: HttpCharset): Array<JsonBatchEvent & { body: Buffer }> {
  return decodeRequest(bytes, charset).map((event) => ({
    headers: event.headers,
    body: javaBytes(event.body, charset),
  }));
}

const CHARSETS: HttpCharset[] = ['UTF-8', 'UTF-16', 'UTF-32'];

const TRICKY_HEADERS: Record<string, string> = {
  quote: 'say "hi"',
  backslash: 'C:\\logs\\app',
  unicode: 'Zürich 東京 😀',
  controls: 'tab\tnewline\nnul\u0000unit\u001fdel\u007f',
  'line separators': '\u2028\u2029',
  html: '<script>&amp;</script>',
  '': 'empty name',
  'empty value': '',
  '"quoted name"': 'x',
};

const TRICKY_TEXTS = [
  'plain',
  '',
  'say "hi" \\ / \b\f\n\r\t',
  '\u0000\u0001\u001f\u007f',
  'é 東京 😀 \u2028 \ufeff',
  '\ufeffleading mark',
];

t.test('parseHttpCharset knows the three names JSONHandler accepts, in any case, and nothing else', async (t) => {
  t.equal(parseHttpCharset('UTF-8'), 'UTF-8');
  t.equal(parseHttpCharset('utf-8'), 'UTF-8');
  t.equal(parseHttpCharset('Utf-16'), 'UTF-16');
  t.equal(parseHttpCharset('utf-32'), 'UTF-32');
  t.equal(parseHttpCharset(' UTF-16 '), 'UTF-16', 'surrounding blanks of a configured value');
  for (const other of [
    'utf8',
    'UTF16',
    'UTF-16BE',
    'UTF-16LE',
    'UTF-32BE',
    'ISO-8859-1',
    'latin1',
    'ascii',
    '',
    'constructor',
    '__proto__',
    'toString',
  ]) {
    t.equal(parseHttpCharset(other), null, other);
  }
});

t.test('contentType names the charset JSONHandler decodes and re-encodes with', async (t) => {
  t.equal(contentType('UTF-8'), 'application/json; charset=UTF-8');
  t.equal(contentType('UTF-16'), 'application/json; charset=UTF-16');
  t.equal(contentType('UTF-32'), 'application/json; charset=UTF-32');
});

t.test('an empty batch is an empty JSON array in each charset', async (t) => {
  t.same(encodeJsonBatch([], 'UTF-8'), Buffer.from('[]'));
  t.same(
    encodeJsonBatch([], 'UTF-16'),
    Buffer.from([0xfe, 0xff, 0x00, 0x5b, 0x00, 0x5d]),
    'a byte-order mark, then big-endian',
  );
  t.same(encodeJsonBatch([], 'UTF-32'), Buffer.from([0, 0, 0, 0x5b, 0, 0, 0, 0x5d]), 'big-endian, no byte-order mark');
});

t.test('the UTF-8 request is plain JSON: headers and body as JSON strings', async (t) => {
  const bytes = encodeJsonBatch([{ headers: { a: 'b' }, body: Buffer.from('hello') }], 'UTF-8');
  t.equal(bytes.toString('utf8'), '[{"headers":{"a":"b"},"body":"hello"}]');
});

for (const charset of CHARSETS) {
  t.test(`${charset}: Flume stores exactly the headers and body bytes sent`, async (t) => {
    const events: JsonBatchEvent[] = TRICKY_TEXTS.map((text, index) => ({
      headers: index === 0 ? TRICKY_HEADERS : { index: String(index) },
      body: javaBytes(text, charset),
    }));
    const request = encodeJsonBatch(events, charset);
    t.same(stored(request, charset), events);
  });
}

t.test('UTF-16 and UTF-32 requests carry the byte order Java reads by default', async (t) => {
  const event = { headers: {}, body: javaBytes('x', 'UTF-16') };
  const utf16 = encodeJsonBatch([event], 'UTF-16');
  t.same(utf16.subarray(0, 4), Buffer.from([0xfe, 0xff, 0x00, 0x5b]));
  t.ok(utf16.includes(Buffer.from('\u0000"\u0000b\u0000o\u0000d\u0000y\u0000"', 'latin1')), 'big-endian text');
  const utf32 = encodeJsonBatch([{ headers: {}, body: javaBytes('😀', 'UTF-32') }], 'UTF-32');
  t.same(utf32.subarray(0, 4), Buffer.from([0, 0, 0, 0x5b]), 'no byte-order mark');
  t.ok(utf32.includes(Buffer.from([0, 0x01, 0xf6, 0x00])), 'an astral character is one big-endian code point');
});

t.test('an empty body is an empty string in every charset (Java writes no mark for it)', async (t) => {
  for (const charset of CHARSETS) {
    const [event] = decodeRequest(encodeJsonBatch([{ headers: {}, body: Buffer.alloc(0) }], charset), charset);
    t.equal(event?.body, '', charset);
  }
});

t.test(
  'a header with a lone surrogate (a JS string Java can hold too) goes out escaped, the request stays well-formed',
  async (t) => {
    for (const charset of CHARSETS) {
      const request = encodeJsonBatch([{ headers: { odd: 'a\ud800b' }, body: Buffer.alloc(0) }], charset);
      const [event] = decodeRequest(request, charset);
      t.equal(event?.headers.odd, 'a\ud800b', charset);
    }
  },
);

const INVALID_BODIES: Array<[HttpCharset, string, number[], RegExp]> = [
  ['UTF-8', 'a byte that starts nothing', [0x61, 0xff], /not valid UTF-8/],
  ['UTF-8', 'an overlong slash', [0xc0, 0xaf], /not valid UTF-8/],
  ['UTF-8', 'an encoded surrogate (CESU-8)', [0xed, 0xa0, 0x80], /not valid UTF-8/],
  ['UTF-8', 'a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80], /not valid UTF-8/],
  ['UTF-8', 'a cut sequence', [0xe2, 0x82], /not valid UTF-8/],
  ['UTF-16', 'an odd length', [0xfe, 0xff, 0x00, 0x61, 0x00], /odd/],
  ['UTF-16', 'no byte-order mark', [0x00, 0x61], /byte-order mark FE FF/],
  ['UTF-16', 'a little-endian mark', [0xff, 0xfe, 0x61, 0x00], /byte-order mark FE FF/],
  ['UTF-16', 'a mark alone', [0xfe, 0xff], /mark alone/],
  ['UTF-16', 'a high surrogate at the end', [0xfe, 0xff, 0x00, 0x61, 0xd8, 0x3d], /lone surrogate at byte 4/],
  ['UTF-16', 'a low surrogate first', [0xfe, 0xff, 0xde, 0x00, 0x00, 0x61], /lone surrogate at byte 2/],
  ['UTF-16', 'two high surrogates', [0xfe, 0xff, 0xd8, 0x3d, 0xd8, 0x3d, 0xde, 0x00], /lone surrogate at byte 2/],
  ['UTF-32', 'a length not a multiple of 4', [0, 0, 0, 0x61, 0], /multiple of 4/],
  ['UTF-32', 'a code point past U+10FFFF', [0, 0, 0, 0x61, 0, 0x11, 0, 0], /0x110000 at byte 4/],
  ['UTF-32', 'a surrogate code point', [0, 0, 0xd8, 0], /0xD800 at byte 0/],
  ['UTF-32', 'a little-endian character', [0x61, 0, 0, 0], /0x61000000 at byte 0/],
];

for (const [charset, what, bytes, reason] of INVALID_BODIES) {
  t.test(
    `${charset}: a body with ${what} is refused, naming the event, the charset and the Avro transport`,
    async (t) => {
      const events: JsonBatchEvent[] = [
        { headers: {}, body: javaBytes('fine', charset) },
        { headers: {}, body: javaBytes('also fine', charset) },
        { headers: { why: 'bad' }, body: Buffer.from(bytes) },
      ];
      const error = t.throws(() => encodeJsonBatch(events, charset));
      t.type(error, EventValidationError);
      const message = (error as Error).message;
      t.match(message, /^event 2: /);
      t.match(message, `not ${charset} text`);
      t.match(message, reason);
      t.match(message, /use the Avro transport for binary bodies/);
    },
  );
}

t.test('the first bad event is the one named', async (t) => {
  const bad = { headers: {}, body: Buffer.from([0xff]) };
  t.throws(() => encodeJsonBatch([{ headers: {}, body: Buffer.from('ok') }, bad, bad], 'UTF-8'), /^event 1: /);
});

t.test('property: any UTF-8 body and any headers reach Flume byte for byte; any other bytes are refused', async (t) => {
  const headers = fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), { maxKeys: 4 });
  const textBody = fc.string({ unit: 'binary', maxLength: 64 }).map((text) => Buffer.from(text, 'utf8'));
  const anyBody = fc.uint8Array({ maxLength: 32 }).map((bytes) => Buffer.from(bytes));
  const event = fc.record({ headers, body: fc.oneof(textBody, anyBody) });
  fc.assert(
    fc.property(fc.array(event, { maxLength: 6 }), (events) => {
      const firstBad = events.findIndex((e) => !isUtf8(e.body));
      if (firstBad >= 0) {
        try {
          encodeJsonBatch(events, 'UTF-8');
        } catch (error) {
          return error instanceof EventValidationError && error.message.startsWith(`event ${firstBad}: `);
        }
        return false;
      }
      const after = stored(encodeJsonBatch(events, 'UTF-8'), 'UTF-8');
      // Compared as JSON: a '__proto__' header is an own key on both sides only through JSON.parse.
      return JSON.stringify(after) === JSON.stringify(events.map((e) => ({ headers: e.headers, body: e.body })));
    }),
    { numRuns: 300 },
  );
  t.pass('300 batches');
});

t.test(
  'property: any well-formed text, as Java writes it in UTF-16 or UTF-32, reaches Flume byte for byte',
  async () => {
    const wellFormed = fc.string({ unit: 'grapheme', maxLength: 32 });
    fc.assert(
      fc.property(
        fc.constantFrom<HttpCharset>('UTF-16', 'UTF-32'),
        fc.array(wellFormed, { maxLength: 5 }),
        (charset, texts) => {
          const events = texts.map((text) => ({ headers: { t: text }, body: javaBytes(text, charset) }));
          const after = stored(encodeJsonBatch(events, charset), charset);
          return after.every((event, index) => event.body.equals(events[index]!.body));
        },
      ),
      { numRuns: 200 },
    );
  },
);
