import t from 'tap';
import fc from 'fast-check';
import {
  FLUME_PROTOCOL,
  ProtocolError,
  countEvent,
  countEventArray,
  decodeEvent,
  decodeEventArray,
  encodeEvent,
  encodeEventArray,
  encodeEventArrayAfter,
  EventBatch,
  type AvroFlumeEvent,
} from '@flume-rpc/netty-compat';

// The direct encoder must write exactly what avsc (and Java) write for the same events.
const batchType = FLUME_PROTOCOL.messages.get('appendBatch')!.request;
const appendType = FLUME_PROTOCOL.messages.get('append')!.request;

const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 200 }),
);
// avsc decodes maps into plain objects, where a "__proto__" key is lost on read; it is left out here.
const key = text.filter((k) => k !== '__proto__');
const event: fc.Arbitrary<AvroFlumeEvent> = fc.record({
  headers: fc.dictionary(key, text, { maxKeys: 6 }),
  body: fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)),
});

t.test('encodeEventArray writes the bytes avsc writes for appendBatch parameters', async (t) => {
  fc.assert(
    fc.property(fc.array(event, { maxLength: 12 }), (events) => {
      const ours = encodeEventArray(events);
      const theirs = batchType.toBuffer({ events });
      return ours.equals(theirs);
    }),
    { numRuns: 400 },
  );
  t.pass('400 random batches encoded identically');
});

t.test('encodeEvent writes the bytes avsc writes for append parameters, and avsc reads them back', async (t) => {
  fc.assert(
    fc.property(event, (e) => {
      const ours = encodeEvent(e);
      const back = appendType.fromBuffer(ours) as { event: AvroFlumeEvent };
      return (
        ours.equals(appendType.toBuffer({ event: e })) &&
        back.event.body.equals(e.body) &&
        JSON.stringify(back.event.headers) === JSON.stringify(e.headers)
      );
    }),
    { numRuns: 400 },
  );
  t.pass('400 random events round-tripped');
});

t.test('large counts and lengths use multi-byte varints', async (t) => {
  const events = Array.from({ length: 300 }, (_, i) => ({
    headers: { seq: String(i) },
    body: Buffer.alloc(i * 50, 1),
  }));
  t.ok(encodeEventArray(events).equals(batchType.toBuffer({ events })));
  // Header counts around the one-byte varint limit (63), including an event with none.
  const headerCounts = [0, 1, 63, 64, 65, 200, 9000];
  const wide = headerCounts.map((n, e) => ({
    headers: Object.fromEntries(Array.from({ length: n }, (_, i) => [`h${i}`, i % 3 === 0 ? 'é' : String(i * e)])),
    body: Buffer.from([e]),
  }));
  t.ok(encodeEventArray(wide).equals(batchType.toBuffer({ events: wide })), `header counts ${headerCounts.join(', ')}`);
  for (const e of wide)
    t.ok(
      encodeEvent(e).equals(appendType.toBuffer({ event: e })),
      `one event with ${Object.keys(e.headers).length} headers`,
    );
});

t.test('events that cannot be encoded are ProtocolErrors naming the event and the fault', async (t) => {
  class Headers {}
  const bad: Array<[unknown, RegExp]> = [
    [{ headers: { a: 1 }, body: Buffer.alloc(0) }, /header "a" must be a string/],
    [{ headers: null, body: Buffer.alloc(0) }, /headers must be a plain object/],
    [{ headers: new Map([['a', 'b']]), body: Buffer.alloc(0) }, /headers must be a plain object/],
    [{ headers: new Headers(), body: Buffer.alloc(0) }, /headers must be a plain object/],
    [{ headers: ['a'], body: Buffer.alloc(0) }, /headers must be a plain object/],
    [{ headers: {}, body: 'text' }, /body must be bytes/],
    [null, /not an object/],
  ];
  const good = { headers: {}, body: Buffer.alloc(0) };
  for (const [e, fault] of bad) {
    const events = [good, e] as AvroFlumeEvent[];
    let error: unknown = null;
    try {
      encodeEventArray(events);
    } catch (err) {
      error = err;
    }
    t.ok(error instanceof ProtocolError, `${fault.source}: a ProtocolError`);
    t.match((error as Error).message, /^Event 1: /, 'names the event');
    t.match((error as Error).message, fault, 'names the fault');
    t.equal(EventBatch.tryOf(events), null, `${fault.source}: tryOf refuses it without an error`);
  }
});

t.test('an EventBatch bounds its encoding, and encodes as its plain list does', async (t) => {
  fc.assert(
    fc.property(fc.array(event, { maxLength: 12 }), (events) => {
      const batch = EventBatch.of(events);
      const bytes = encodeEventArray(batch);
      return bytes.length <= batch.bytesBound && bytes.equals(encodeEventArray(events));
    }),
    { numRuns: 300 },
  );
  t.pass('300 random batches within their bound');
  const plainBytes = { headers: Object.create(null) as Record<string, string>, body: new Uint8Array([1, 2, 3]) };
  plainBytes.headers['k'] = 'v';
  const batch = EventBatch.tryOf([plainBytes]);
  t.ok(batch, 'headers without a prototype and a plain Uint8Array body are taken');
  t.ok(
    encodeEventArray(batch!).equals(
      batchType.toBuffer({ events: [{ headers: { k: 'v' }, body: Buffer.from([1, 2, 3]) }] }),
    ),
    'and written as avsc writes the same event',
  );
  const sliced = EventBatch.of([good(1), good(2), good(3)]).slice(1, 3);
  t.same(
    sliced.events.map((e) => e.headers['n']),
    ['2', '3'],
    'slice keeps events [start, end)',
  );
  t.ok(encodeEventArray(sliced).length <= sliced.bytesBound, 'and measures them again');
});

function good(n: number): AvroFlumeEvent {
  return { headers: { n: String(n) }, body: Buffer.alloc(n, n) };
}

t.test('decodeEventArray reads back what avsc wrote, __proto__ headers included', async (t) => {
  const withProto = fc.record({
    headers: fc.dictionary(text, text, { maxKeys: 6 }),
    body: fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)),
  });
  fc.assert(
    fc.property(fc.array(withProto, { maxLength: 12 }), (events) => {
      const bytes = batchType.toBuffer({ events });
      const decoded = decodeEventArray(bytes, 0, 'batch');
      return (
        decoded.offset === bytes.length &&
        decoded.value.length === events.length &&
        decoded.value.every(
          (e, i) =>
            e.body.equals(events[i]!.body) &&
            JSON.stringify(Object.entries(e.headers)) === JSON.stringify(Object.entries(events[i]!.headers)),
        )
      );
    }),
    { numRuns: 300 },
  );
  const single = { headers: { host: 'web-1' }, body: Buffer.from('hello') };
  const one = decodeEvent(appendType.toBuffer({ event: single }), 0, 'event');
  t.same(one.value.headers, single.headers);
  t.ok(one.value.body.equals(single.body));
});

t.test('decodeEventArray refuses truncated and hostile input with ProtocolError, never anything else', async (t) => {
  const bytes = batchType.toBuffer({ events: [{ headers: { a: 'b' }, body: Buffer.from('body') }] });
  for (let cut = 0; cut < bytes.length; cut += 1) {
    t.throws(() => decodeEventArray(bytes.subarray(0, cut), 0, 'batch'), ProtocolError, `cut at ${cut}`);
    t.throws(() => countEventArray(bytes.subarray(0, cut), 0, 'batch'), ProtocolError, `counting, cut at ${cut}`);
  }
  // A block declaring 2^40 events in a few bytes is refused before any loop.
  const huge = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x40]);
  t.throws(() => decodeEventArray(huge, 0, 'batch'), { name: 'ProtocolError', message: /block count/ });
  t.throws(() => countEventArray(huge, 0, 'batch'), { name: 'ProtocolError', message: /block count/ });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (random) => {
      try {
        decodeEventArray(Buffer.from(random), 0, 'batch');
        return true;
      } catch (err) {
        return err instanceof ProtocolError;
      }
    }),
    { numRuns: 2000 },
  );
});

t.test(
  'countEventArray accepts and refuses exactly what decodeEventArray does, and counts what it builds',
  async (t) => {
    const outcome = (read: () => { value: unknown; offset: number }): string => {
      try {
        const { value, offset } = read();
        const count = typeof value === 'number' ? value : Array.isArray(value) ? value.length : 1;
        return `ok ${count} events, ends at ${offset}`;
      } catch (err) {
        return err instanceof ProtocolError ? 'ProtocolError' : `unexpected ${String(err)}`;
      }
    };
    const valid = fc.array(event, { maxLength: 12 }).map((events) => batchType.toBuffer({ events }));
    const anyBytes = fc.oneof(
      valid,
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      valid.map((b) => b.subarray(0, b.length >> 1)),
    );
    fc.assert(
      fc.property(
        anyBytes,
        (bytes) =>
          outcome(() => countEventArray(bytes, 0, 'batch')) === outcome(() => decodeEventArray(bytes, 0, 'batch')),
      ),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(event, (e) => {
        const bytes = appendType.toBuffer({ event: e });
        return outcome(() => countEvent(bytes, 0, 'event')) === outcome(() => decodeEvent(bytes, 0, 'event'));
      }),
      { numRuns: 300 },
    );
    t.pass('same verdict, count and end offset on 2300 inputs');
  },
);

t.test('encodeEventArrayAfter leaves the asked headroom free and writes the same parameters after it', async (t) => {
  fc.assert(
    fc.property(fc.array(event, { maxLength: 8 }), fc.nat({ max: 64 }), (events, headroom) => {
      const encoded = encodeEventArrayAfter(events, headroom);
      return encoded.headroom === headroom && encoded.buffer.subarray(headroom).equals(batchType.toBuffer({ events }));
    }),
    { numRuns: 300 },
  );
  t.pass('300 batches with random headroom');
});

t.test('header keys the decoder caches: colliding hashes, more keys than the cache holds, non-ASCII', async (t) => {
  // The decoder's key hash (FNV-1a style over the bytes, seeded with the length): two different
  // keys of the same length and hash must still decode as themselves.
  const hash = (key: string): number => {
    let h = key.length;
    for (const byte of Buffer.from(key)) h = Math.imul(h ^ byte, 16777619);
    return h;
  };
  const seen = new Map<number, string>();
  let pair: [string, string] | null = null;
  let x = 12345;
  const letter = (): string => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return String.fromCharCode(97 + ((x >>> 16) % 26));
  };
  for (let i = 0; i < 400_000 && pair === null; i += 1) {
    const key = Array.from({ length: 10 }, letter).join('');
    const other = seen.get(hash(key));
    if (other !== undefined && other !== key) pair = [other, key];
    else seen.set(hash(key), key);
  }
  t.ok(pair, `found two keys with one hash: ${String(pair)}`);
  const [a, b] = pair!;
  const events = [a, b, a, b].map((key, i) => ({ headers: { [key]: String(i) }, body: Buffer.from([i]) }));
  const decoded = decodeEventArray(batchType.toBuffer({ events }), 0, 'batch').value;
  t.same(
    decoded.map((e) => Object.keys(e.headers)[0]),
    [a, b, a, b],
    'each key decodes as itself',
  );
  // 3000 distinct keys, then a non-ASCII key whose bytes, read as Latin-1, would equal a cached one.
  const many = Array.from({ length: 3000 }, (_, i) => ({
    headers: { [`key-${i}`]: 'v', host: 'h' },
    body: Buffer.alloc(0),
  }));
  const back = decodeEventArray(batchType.toBuffer({ events: many }), 0, 'batch').value;
  t.ok(
    back.every((e, i) => Object.keys(e.headers).join() === `key-${i},host`),
    'more distinct keys than the cache holds',
  );
  const latin = { headers: { 'Ã©': 'x' }, body: Buffer.alloc(0) }; // Latin-1 reading of é's UTF-8 bytes
  const accented = { headers: { é: 'y' }, body: Buffer.alloc(0) };
  const mixed = decodeEventArray(batchType.toBuffer({ events: [latin, accented, latin] }), 0, 'batch').value;
  t.same(
    mixed.map((e) => e.headers),
    [latin.headers, accented.headers, latin.headers],
    'UTF-8 keys are never confused with cached ones',
  );
});
