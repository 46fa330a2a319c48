import t from 'tap';
import fc from 'fast-check';
import {
  DEFAULT_FRAME_LIMITS,
  type Frame,
  FrameDecoder,
  type FrameLimits,
  ProtocolError,
  encodeFrame,
  frameBody,
  resolveLimits,
} from '@flume-rpc/netty-compat';

/** Netty framing written out the obvious way, as the reference the encoder is compared with. */
function referenceEncode(serial: number, buffers: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(8);
  header.writeUInt32BE(serial >>> 0, 0);
  header.writeUInt32BE(buffers.length, 4);
  parts.push(header);
  for (const buffer of buffers) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(buffer.length, 0);
    parts.push(length, Buffer.from(buffer));
  }
  return Buffer.concat(parts);
}

function encodeAll(frames: readonly Frame[]): Buffer {
  return Buffer.concat(frames.flatMap((f) => encodeFrame(f.serial, f.buffers)));
}

/** Frames in a form t.same compares by content. */
function comparable(frames: readonly Frame[]): Array<{ serial: number; buffers: string[] }> {
  return frames.map((f) => ({ serial: f.serial, buffers: f.buffers.map((b) => Buffer.from(b).toString('hex')) }));
}

/** Feeds `stream` split at `cuts` (sorted offsets) and returns every frame produced. */
function decodeSplit(stream: Buffer, cuts: readonly number[], decoder = new FrameDecoder()): Frame[] {
  const out: Frame[] = [];
  let start = 0;
  for (const cut of [...cuts, stream.length]) {
    out.push(...decoder.push(stream.subarray(start, cut)));
    start = cut;
  }
  return out;
}

function header(serial: number, count: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(serial >>> 0, 0);
  b.writeInt32BE(count, 4);
  return b;
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n, 0);
  return b;
}

const SAMPLE: Frame[] = [
  { serial: 1, buffers: [Buffer.from('handshake+header'), Buffer.from('params')] },
  { serial: 2, buffers: [] },
  { serial: 3, buffers: [Buffer.alloc(0), Buffer.from('x'), Buffer.alloc(0)] },
  { serial: 0xfffffffe, buffers: [Buffer.alloc(700, 7), Buffer.from('tail'), Buffer.alloc(1024, 9)] },
  { serial: 0, buffers: [Buffer.alloc(512, 1), Buffer.alloc(511, 2)] },
];

t.test('encodeFrame writes Netty framing: serial, count, then length-prefixed buffers', async (t) => {
  const bytes = Buffer.concat(encodeFrame(7, [Buffer.from('ab'), Buffer.alloc(0)]));
  t.equal(bytes.toString('hex'), '00000007' + '00000002' + '00000002' + '6162' + '00000000');
  t.equal(
    Buffer.concat(encodeFrame(5, [])).toString('hex'),
    '00000005' + '00000000',
    'a frame without buffers is just its header',
  );
  for (const frame of SAMPLE) {
    t.same(
      Buffer.concat(encodeFrame(frame.serial, frame.buffers)),
      referenceEncode(frame.serial, frame.buffers),
      `frame ${frame.serial} matches the reference encoding`,
    );
  }
});

t.test('encodeFrame hands large buffers over without copying and accepts plain Uint8Arrays', async (t) => {
  const body = Buffer.alloc(4096, 0x61);
  const chunks = encodeFrame(9, [Buffer.from('small'), body, Buffer.from('after')]);
  t.ok(chunks.includes(body), 'the 4 KiB body is one of the chunks, by reference');
  t.same(Buffer.concat(chunks), referenceEncode(9, [Buffer.from('small'), body, Buffer.from('after')]));

  const backing = new Uint8Array(2000).fill(3);
  const view = backing.subarray(100, 1100); // a view with a non-zero byteOffset
  const small = new Uint8Array([1, 2, 3]);
  t.same(Buffer.concat(encodeFrame(10, [view, small])), referenceEncode(10, [view, small]));
});

t.test('FrameDecoder round-trips a stream of frames pushed whole', async (t) => {
  const decoder = new FrameDecoder();
  const decoded = decoder.push(encodeAll(SAMPLE));
  t.same(comparable(decoded), comparable(SAMPLE));
  t.equal(decoder.bufferedBytes, 0);
  t.ok(decoder.atFrameBoundary);
});

t.test('FrameDecoder handles the stream fed one byte at a time', async (t) => {
  const stream = encodeAll(SAMPLE);
  const decoder = new FrameDecoder();
  const out: Frame[] = [];
  const boundaries: number[] = [];
  for (let i = 0; i < stream.length; i += 1) {
    const got = decoder.push(stream.subarray(i, i + 1));
    out.push(...got);
    if (decoder.atFrameBoundary) boundaries.push(i + 1);
  }
  t.same(comparable(out), comparable(SAMPLE));
  // Exactly the ends of the frames are boundaries.
  let end = 0;
  const expected = SAMPLE.map((f) => (end += referenceEncode(f.serial, f.buffers).length));
  t.same(boundaries, expected, 'atFrameBoundary is true exactly after each frame');
});

t.test('FrameDecoder handles every split of the stream into two and three pieces', async (t) => {
  const frames = SAMPLE.slice(0, 3).concat([{ serial: 77, buffers: [Buffer.from('last one')] }]);
  const stream = encodeAll(frames);
  const want = comparable(frames);
  let failures = 0;
  for (let i = 0; i <= stream.length; i += 1) {
    for (let j = i; j <= stream.length; j += 1) {
      const got = comparable(decodeSplit(stream, [i, j]));
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        failures += 1;
        t.fail(`split at ${i} and ${j}`);
      }
    }
  }
  t.equal(failures, 0, 'no split changes the decoded frames');
});

t.test('FrameDecoder accepts empty chunks anywhere, and zero-length buffers and zero-buffer frames', async (t) => {
  const decoder = new FrameDecoder();
  t.same(decoder.push(Buffer.alloc(0)), [], 'empty chunk before anything');
  t.ok(decoder.atFrameBoundary);
  const stream = encodeAll(SAMPLE.slice(0, 3));
  const out: Frame[] = [];
  for (let i = 0; i < stream.length; i += 5) {
    out.push(...decoder.push(stream.subarray(i, i + 5)));
    out.push(...decoder.push(Buffer.alloc(0)));
  }
  t.same(comparable(out), comparable(SAMPLE.slice(0, 3)));
  t.same(out[1]!.buffers, [], 'a frame with zero buffers decodes to none');
  t.same(
    out[2]!.buffers.map((b) => b.length),
    [0, 1, 0],
    'zero-length buffers are kept',
  );
  t.equal(frameBody(out[2]!).toString(), 'x', 'frameBody skips the empty buffers');
});

t.test('bufferedBytes reports what a partial frame holds', async (t) => {
  const decoder = new FrameDecoder();
  const stream = referenceEncode(4, [Buffer.from('0123456789')]);
  decoder.push(stream.subarray(0, 6));
  t.equal(decoder.bufferedBytes, 6 - 4, 'the serial is consumed, 2 bytes of the count are held');
  t.notOk(decoder.atFrameBoundary);
  decoder.push(stream.subarray(6, 12 + 3));
  t.equal(decoder.bufferedBytes, 3, '3 body bytes held while the buffer is incomplete');
  t.same(
    comparable(decoder.push(stream.subarray(15))),
    comparable([{ serial: 4, buffers: [Buffer.from('0123456789')] }]),
  );
  t.equal(decoder.bufferedBytes, 0);
});

t.test('property: any frames, encoded and split anywhere, decode to the same frames', async (t) => {
  const frameArb = fc.record({
    serial: fc.integer({ min: 0, max: 0xffffffff }),
    buffers: fc.array(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 500, maxLength: 1500 })), {
      maxLength: 6,
    }),
  });
  const arb = fc.array(frameArb, { minLength: 1, maxLength: 8 }).chain((frames) => {
    const length = encodeAll(
      frames.map((f) => ({ serial: f.serial, buffers: f.buffers.map((b) => Buffer.from(b)) })),
    ).length;
    return fc.tuple(fc.constant(frames), fc.uniqueArray(fc.integer({ min: 0, max: length }), { maxLength: 30 }));
  });
  fc.assert(
    fc.property(arb, ([frames, cuts]) => {
      const asFrames = frames.map((f) => ({ serial: f.serial, buffers: f.buffers.map((b) => Buffer.from(b)) }));
      const stream = encodeAll(asFrames);
      const decoder = new FrameDecoder();
      const decoded = decodeSplit(
        stream,
        [...cuts].sort((a, b) => a - b),
        decoder,
      );
      return (
        JSON.stringify(comparable(decoded)) === JSON.stringify(comparable(asFrames)) &&
        decoder.bufferedBytes === 0 &&
        decoder.atFrameBoundary
      );
    }),
    { numRuns: 300 },
  );
  t.pass('300 random frame lists round-tripped under random splits');
});

t.test('property: encodeFrame writes exactly the reference bytes for any 32-bit serial and buffers', async (t) => {
  fc.assert(
    fc.property(
      fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.integer({ min: 0, max: 0xffffffff })),
      fc.array(fc.oneof(fc.uint8Array({ maxLength: 30 }), fc.uint8Array({ minLength: 510, maxLength: 900 })), {
        maxLength: 6,
      }),
      (serial, buffers) => {
        const bytes = Buffer.concat(encodeFrame(serial, buffers));
        const decoded = new FrameDecoder().push(bytes);
        return (
          bytes.equals(referenceEncode(serial, buffers)) &&
          decoded.length === 1 &&
          decoded[0]!.serial === serial >>> 0 &&
          decoded[0]!.buffers.length === buffers.length
        );
      },
    ),
    { numRuns: 300 },
  );
  t.pass('300 random frames matched the reference encoding');
});

t.test('property: arbitrary bytes yield frames or a ProtocolError, and memory stays bounded', async (t) => {
  const limits: FrameLimits = { maxBufferCount: 8, maxBufferBytes: 64, maxFrameBytes: 100 };
  // Random bytes, and valid streams with corrupted bytes (which get further into a frame).
  const validish = fc
    .array(fc.record({ serial: fc.nat(), buffers: fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 4 }) }), {
      minLength: 1,
      maxLength: 4,
    })
    .chain((frames) => {
      const stream = encodeAll(
        frames.map((f) => ({ serial: f.serial, buffers: f.buffers.map((b) => Buffer.from(b)) })),
      );
      return fc
        .array(fc.tuple(fc.nat({ max: Math.max(0, stream.length - 1) }), fc.integer({ min: 0, max: 255 })), {
          maxLength: 3,
        })
        .map((flips) => {
          const copy = Buffer.from(stream);
          for (const [at, value] of flips) if (at < copy.length) copy[at] = value;
          return new Uint8Array(copy);
        });
    });
  const bytesArb = fc.oneof(fc.uint8Array({ maxLength: 600 }), validish);
  const chunkSizes = fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 20 });
  let errors = 0;
  let framesSeen = 0;
  fc.assert(
    fc.property(bytesArb, chunkSizes, (bytes, sizes) => {
      const decoder = new FrameDecoder(limits);
      let offset = 0;
      let index = 0;
      let failed: unknown = null;
      while (offset < bytes.length || index < sizes.length) {
        const size = sizes[index % sizes.length]!;
        index += 1;
        if (index > bytes.length + sizes.length + 1) break; // bounded even for all-zero sizes
        const chunk = Buffer.from(bytes.subarray(offset, offset + size));
        offset += chunk.length;
        try {
          const got = decoder.push(chunk);
          if (failed !== null) return false; // a failed decoder must keep throwing
          framesSeen += got.length;
          for (const frame of got) {
            if (frame.buffers.length > limits.maxBufferCount) return false;
            if (frame.buffers.reduce((n, b) => n + b.length, 0) > limits.maxFrameBytes) return false;
          }
          // At most one frame's worth plus this chunk (or a partial 4-byte prefix) is ever held.
          if (decoder.bufferedBytes > limits.maxFrameBytes + Math.max(chunk.length, 3)) return false;
        } catch (err) {
          if (!(err instanceof ProtocolError) || err.code !== 'FLUME_RPC_PROTOCOL') throw err;
          if (failed === null) errors += 1;
          failed = err;
        }
      }
      return true;
    }),
    { numRuns: 500 },
  );
  t.ok(errors > 0, `some inputs were rejected (${errors})`);
  t.ok(framesSeen > 0, `some inputs decoded to frames (${framesSeen})`);
});

t.test('limits: each violation is a ProtocolError naming the problem, raised from the header alone', async (t) => {
  const limits: FrameLimits = { maxBufferCount: 4, maxBufferBytes: 100, maxFrameBytes: 150 };
  const cases: Array<[string, Buffer, RegExp]> = [
    ['negative count', header(9, -1), /Frame 9 .*-1 buffers/],
    ['count above maxBufferCount', header(9, 5), /Frame 9 .*5 buffers.*\b4\b/],
    ['negative length', Buffer.concat([header(9, 1), int32(-2)]), /Frame 9 .*buffer of -2 bytes/],
    [
      'length above maxBufferBytes',
      Buffer.concat([header(9, 1), int32(101)]),
      /Frame 9 .*buffer of 101 bytes.*\b100\b/,
    ],
    [
      'frame total above maxFrameBytes',
      Buffer.concat([header(9, 2), int32(100), Buffer.alloc(100), int32(51)]),
      /Frame 9 exceeds 150 bytes/,
    ],
  ];
  for (const [name, bytes, message] of cases) {
    const decoder = new FrameDecoder(limits);
    let thrown: unknown;
    try {
      decoder.push(bytes);
    } catch (err) {
      thrown = err;
    }
    t.ok(thrown instanceof ProtocolError, `${name}: ProtocolError`);
    t.equal((thrown as ProtocolError).code, 'FLUME_RPC_PROTOCOL', `${name}: code`);
    t.match((thrown as Error).message, message, `${name}: message`);
    // The decoder stays failed: valid bytes, empty chunks, anything throws again.
    t.throws(() => decoder.push(referenceEncode(1, [])), ProtocolError, `${name}: throws again on valid bytes`);
    t.throws(() => decoder.push(Buffer.alloc(0)), ProtocolError, `${name}: throws again on an empty chunk`);
  }
});

t.test('limits: a frame exactly at the limits is accepted; the default limits are the documented ones', async (t) => {
  const limits: FrameLimits = { maxBufferCount: 2, maxBufferBytes: 100, maxFrameBytes: 150 };
  const frame = { serial: 1, buffers: [Buffer.alloc(100, 1), Buffer.alloc(50, 2)] };
  t.same(comparable(new FrameDecoder(limits).push(referenceEncode(frame.serial, frame.buffers))), comparable([frame]));
  t.same(
    { ...DEFAULT_FRAME_LIMITS },
    { maxBufferCount: 10_000, maxBufferBytes: 64 * 1024 * 1024, maxFrameBytes: 64 * 1024 * 1024 },
  );
  // A count of 2^31-1 is refused by the default limits without waiting for (or allocating) anything.
  t.throws(() => new FrameDecoder().push(header(1, 0x7fffffff)), {
    name: 'ProtocolError',
    message: /2147483647 buffers/,
  });
});

t.test('resolveLimits fills defaults and rejects non-positive or non-integer limits', async (t) => {
  t.same(resolveLimits({ maxBufferCount: 3 }), { ...DEFAULT_FRAME_LIMITS, maxBufferCount: 3 });
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    t.throws(() => resolveLimits({ maxFrameBytes: bad }), RangeError, `maxFrameBytes ${bad}`);
  }
});

// Regression test: bug found on d116995, fixed in 939ff59 (encodeFrame omits the 8-byte header when serial < 0).
t.test('encodeFrame writes the header for any 32-bit serial, including negative Java ints', async (t) => {
  // Java's serial is an int and Avro Java's AtomicInteger wraps to negative; avsc writes ids with
  // writeInt32BE. encodeFrame uses serial -1 internally as "no header", so a negative serial
  // silently yields a frame with no serial and no count.
  const bytes = Buffer.concat(encodeFrame(-1, [Buffer.from('x')]));
  t.equal(bytes.toString('hex'), 'ffffffff' + '00000001' + '00000001' + '78');
});
