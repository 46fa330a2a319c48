/**
 * The java-deflate vectors (Flume's NettyAvroRpcClient and Avro's NettyServer with
 * compression-type = deflate): our server answers the recorded compressed client stream, and our
 * client accepts the recorded compressed server stream, both over real sockets.
 */
import t from 'tap';
import zlib from 'node:zlib';
import {
  type AvroFlumeEvent,
  FLUME_PROTOCOL,
  type Frame,
  FrameDecoder,
  decodeResponseHead,
  decodeValue,
  frameBody,
} from '@flume-rpc/netty-compat';
import { appendEvent, batchEvents, plainEvents, readVector } from '../fixtures/vectors.js';
import { RawClient, SLACK_MS, openTransceiver, startAvroSource, startRawServer, within } from '../fixtures/index.js';

const SYNC_FLUSH_MARK = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** Inflates a zlib stream that was sync-flushed but may not be finished. */
function inflatePartial(bytes: Buffer): Buffer {
  return zlib.inflateSync(bytes, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

/** The stream cut after each sync flush: one piece per frame as the sender flushed them. */
function flushedPieces(stream: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  let start = 0;
  for (let at = stream.indexOf(SYNC_FLUSH_MARK); at >= 0; at = stream.indexOf(SYNC_FLUSH_MARK, at + 1)) {
    pieces.push(stream.subarray(start, at + SYNC_FLUSH_MARK.length));
    start = at + SYNC_FLUSH_MARK.length;
  }
  return pieces;
}

function decodeAll(bytes: Buffer): Frame[] {
  const decoder = new FrameDecoder();
  const frames = decoder.push(bytes);
  if (!decoder.atFrameBoundary) throw new Error('bytes end inside a frame');
  return frames;
}

function replyValue(
  frame: Frame,
  handshake: boolean,
  messageName: string,
): { match: string | undefined; value: unknown } {
  const body = frameBody(frame);
  const head = decodeResponseHead(body, handshake);
  const message = FLUME_PROTOCOL.messages.get(messageName)!;
  return {
    match: head.handshake?.match,
    value: decodeValue(head.isError ? message.errors : message.response, body, head.valueOffset, 'reply'),
  };
}

t.test(
  'the recorded streams are zlib streams, sync-flushed after every frame, holding the plain exchange',
  async (t) => {
    for (const direction of ['c2s', 's2c']) {
      const compressed = readVector(`java-deflate.${direction}.bin`);
      t.equal(
        compressed.subarray(0, 2).toString('hex'),
        '789c',
        `${direction}: a zlib header (level 6), not raw deflate`,
      );
      t.same(
        inflatePartial(compressed),
        readVector(`java-plain.${direction}.bin`),
        `${direction}: inflates to java-plain`,
      );
      const pieces = flushedPieces(compressed);
      t.equal(pieces.length, 2, `${direction}: one sync flush per frame`);
      t.equal(
        decodeAll(inflatePartial(pieces[0]!)).length,
        1,
        `${direction}: the first flush holds exactly the first frame`,
      );
    }
  },
);

t.test('our deflate server answers the raw java-deflate.c2s.bin bytes as the Java server did', async (t) => {
  const seen: { append: AvroFlumeEvent[]; appendBatch: AvroFlumeEvent[][] } = { append: [], appendBatch: [] };
  const server = await startAvroSource(t, {
    compressionLevel: 6,
    handlers: {
      append: (event) => (seen.append.push(event), 'OK'),
      appendBatch: (events) => (seen.appendBatch.push(events), 'OK'),
    },
  });
  const errors: string[] = [];
  server.on('connectionError', (error) => errors.push(error.message));
  const client = await RawClient.connect(t, server.port);
  // Everything the Java client sent, including the end of its zlib stream when it closed.
  client.write(readVector('java-deflate.c2s.bin'));
  // Answers to requests read together may share one flush (Java flushes each): wait for two frames.
  const inflatedFrames = (received: Buffer): number =>
    flushedPieces(received).length > 0
      ? decodeAll(inflatePartial(received.subarray(0, received.lastIndexOf(SYNC_FLUSH_MARK) + 4))).length
      : 0;
  const { bytes } = await client.collect((received) => inflatedFrames(received) >= 2);
  t.equal(bytes.subarray(0, 2).toString('hex'), '789c', 'the answer is a zlib stream at the level asked for');
  const replies = decodeAll(inflatePartial(bytes));
  t.same(
    replies.map((f) => f.serial),
    [1, 2],
  );
  t.same(replyValue(replies[0]!, true, 'append'), { match: 'BOTH', value: 'OK' });
  t.same(replyValue(replies[1]!, false, 'appendBatch'), { match: undefined, value: 'OK' });
  const java = decodeAll(readVector('java-plain.s2c.bin'));
  t.same(
    replies.map((f) => frameBody(f).toString('hex')),
    java.map((f) => frameBody(f).toString('hex')),
    'same bodies as the Java server',
  );
  t.same(plainEvents(seen.append), plainEvents([appendEvent()]));
  t.same(seen.appendBatch.map(plainEvents), [plainEvents(batchEvents())]);
  t.same(errors, []);
});

t.test('our deflate client accepts the recorded Java server stream, and sends what the Java client sent', async (t) => {
  const replies = flushedPieces(readVector('java-deflate.s2c.bin'));
  const received: Buffer[] = [];
  const raw = await startRawServer(t, (socket) => {
    // Answer the i-th request frame with the i-th recorded compressed piece, as the Java server flushed it.
    const inflater = zlib.createInflate();
    const decoder = new FrameDecoder();
    let answered = 0;
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      inflater.write(chunk);
    });
    inflater.on('data', (plain: Buffer) => {
      for (const _ of decoder.push(plain)) {
        const piece = replies[answered++];
        if (piece) socket.write(piece);
      }
    });
    inflater.on('error', () => socket.destroy());
  });
  const transceiver = openTransceiver(t, raw.port, {
    wire: { compressionLevel: 6, tls: null, layerOrder: 'zlib-outside' },
  });
  const matches: string[] = [];
  transceiver.on('handshake', (match) => matches.push(match));
  t.equal(await within(transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK');
  t.equal(await within(transceiver.appendBatch(batchEvents()), SLACK_MS, 'appendBatch'), 'OK');
  t.same(matches, ['BOTH']);
  const sent = Buffer.concat(received);
  t.equal(sent.subarray(0, 2).toString('hex'), '789c', 'our client opens a zlib stream at level 6, as Java does');
  t.equal(flushedPieces(sent).length, 2, 'and flushes it once per request frame');
  t.same(
    inflatePartial(sent),
    readVector('java-plain.c2s.bin'),
    "the frames inside are the Java client's, byte for byte",
  );
});
