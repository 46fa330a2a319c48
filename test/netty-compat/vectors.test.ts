/**
 * The Java wire vectors: our decoder parses them, our encoder reproduces them, our server answers
 * the Java client's bytes and our client accepts the Java (and avsc) server's bytes.
 * The java-deflate vectors are in deflate-vectors.test.ts.
 */
import t, { type Test } from 'tap';
import type net from 'node:net';
import {
  type AvroFlumeEvent,
  ConnectionClosedError,
  FLUME_PROTOCOL,
  FLUME_PROTOCOL_MD5,
  FLUME_PROTOCOL_TEXT,
  type Frame,
  FrameDecoder,
  ProtocolError,
  decodeHandshakeRequest,
  decodeRequestHead,
  decodeResponseHead,
  decodeValue,
  encodeFrame,
  encodeRequest,
  frameBody,
  md5,
} from '@flume-rpc/netty-compat';
import {
  JAVA_PROTOCOL_MD5_HEX,
  appendEvent,
  batchEvents,
  javaProtocolText,
  plainEvents,
  readVector,
} from '../fixtures/vectors.js';
import {
  RawClient,
  SLACK_MS,
  decodeFrames,
  frames,
  openTransceiver,
  startAvroSource,
  startRawServer,
  within,
} from '../fixtures/index.js';
import { startIsolatedServer } from '../fixtures/isolated-server.js';

const JAVA_HASH = Buffer.from(JAVA_PROTOCOL_MD5_HEX, 'hex');
/** The hash the avsc 5.7 server announced in javaclient-avscserver.s2c.bin. */
const AVSC_SERVER_HASH_HEX = '35b2a3c603776e92b8abbd7f01859296';

function decodeAll(bytes: Buffer): Frame[] {
  const decoder = new FrameDecoder();
  const out = decoder.push(bytes);
  if (!decoder.atFrameBoundary) throw new Error('vector ends inside a frame');
  return out;
}

function frameBytes(frame: Frame): Buffer {
  return Buffer.concat(encodeFrame(frame.serial, frame.buffers));
}

function withSerial(frame: Frame, serial: number): Buffer {
  return Buffer.concat(encodeFrame(serial, frame.buffers));
}

function decodeParams(name: string, body: Buffer, offset: number): Record<string, unknown> {
  const message = FLUME_PROTOCOL.messages.get(name);
  if (!message) throw new Error(`no message ${name}`);
  return decodeValue<Record<string, unknown>>(message.request, body, offset, `${name} parameters`);
}

/** A reply frame as the client reads it: handshake (first reply only), error flag and value. */
function readReply(frame: Frame, expectHandshake: boolean, messageName: string) {
  const body = frameBody(frame);
  const head = decodeResponseHead(body, expectHandshake);
  const message = FLUME_PROTOCOL.messages.get(messageName)!;
  let value: unknown = undefined;
  if (head.hasCall) {
    value = decodeValue(head.isError ? message.errors : message.response, body, head.valueOffset, 'reply');
  }
  return { serial: frame.serial, handshake: head.handshake, hasCall: head.hasCall, isError: head.isError, value };
}

t.test('the vectors protocol text is the library protocol text, hashing to the recorded MD5', async (t) => {
  t.equal(javaProtocolText(), FLUME_PROTOCOL_TEXT);
  t.equal(FLUME_PROTOCOL_MD5, JAVA_PROTOCOL_MD5_HEX);
  t.equal(md5(javaProtocolText()).toString('hex'), JAVA_PROTOCOL_MD5_HEX);
  t.equal(FLUME_PROTOCOL.hash.toString('hex'), JAVA_PROTOCOL_MD5_HEX);
});

t.test('(a) java-plain.c2s.bin decodes to the handshake and the calls the README lists', async (t) => {
  const requests = decodeAll(readVector('java-plain.c2s.bin'));
  t.same(
    requests.map((f) => [f.serial, f.buffers.length]),
    [
      [1, 2],
      [2, 2],
    ],
    'serials 1 and 2, 2 buffers each',
  );

  const first = frameBody(requests[0]!);
  const head1 = decodeRequestHead(first, true);
  t.ok(head1.handshake, 'serial 1 carries a handshake');
  t.equal(head1.handshake!.clientHash.toString('hex'), FLUME_PROTOCOL_MD5, 'clientHash');
  t.equal(head1.handshake!.serverHash.toString('hex'), FLUME_PROTOCOL_MD5, 'serverHash');
  t.equal(head1.handshake!.clientProtocol, null, 'clientProtocol null');
  t.same(head1.handshake!.meta, {}, 'meta is an empty map, present');
  t.not(head1.handshake!.meta, null);
  // The standalone handshake decoder agrees and stops where the call metadata begins.
  const hs = decodeHandshakeRequest(first);
  t.same(hs.value, head1.handshake);
  t.equal(hs.offset, 35, '16 + 1 + 16 + 2 bytes');
  t.equal(head1.messageName, 'append');
  t.same(
    plainEvents([decodeParams('append', first, head1.paramsOffset)['event'] as AvroFlumeEvent]),
    plainEvents([appendEvent()]),
  );

  const second = frameBody(requests[1]!);
  const head2 = decodeRequestHead(second, false);
  t.equal(head2.handshake, null, 'serial 2 has no handshake');
  t.equal(head2.messageName, 'appendBatch');
  const events = decodeParams('appendBatch', second, head2.paramsOffset)['events'] as AvroFlumeEvent[];
  t.same(plainEvents(events), plainEvents(batchEvents()), 'the 3 batch events, headers host then idx');
});

t.test('(a) java-plain.s2c.bin decodes: BOTH, then OK twice; zero-length buffers are accepted', async (t) => {
  const replies = decodeAll(readVector('java-plain.s2c.bin'));
  // The README counts 2 buffers for serial 2; on the wire there are 3, the first zero-length.
  t.same(
    replies.map((f) => [f.serial, f.buffers.map((b) => b.length)]),
    [
      [1, [4, 1, 2]],
      [2, [0, 1, 2]],
    ],
  );
  const r1 = readReply(replies[0]!, true, 'append');
  t.same(r1.handshake, { match: 'BOTH', serverProtocol: null, serverHash: null, meta: null });
  t.same([r1.hasCall, r1.isError, r1.value], [true, false, 'OK']);
  const r2 = readReply(replies[1]!, false, 'appendBatch');
  t.same([r2.hasCall, r2.isError, r2.value], [true, false, 'OK']);
});

t.test(
  '(a) javaclient-avscserver vectors decode: NONE with the avsc protocol, the retry with text, BOTH',
  async (t) => {
    const requests = decodeAll(readVector('javaclient-avscserver.c2s.bin'));
    t.same(
      requests.map((f) => f.serial),
      [1, 2, 3],
    );
    const h1 = decodeRequestHead(frameBody(requests[0]!), true);
    t.same(
      [h1.handshake!.clientProtocol, h1.handshake!.serverHash.toString('hex'), h1.messageName],
      [null, FLUME_PROTOCOL_MD5, 'append'],
    );
    const h2 = decodeRequestHead(frameBody(requests[1]!), true);
    t.equal(h2.handshake!.clientProtocol, FLUME_PROTOCOL_TEXT, 'the retry carries the Java protocol text');
    t.equal(h2.handshake!.serverHash.toString('hex'), AVSC_SERVER_HASH_HEX, 'and the hash the server announced');
    t.equal(h2.messageName, 'append');
    t.equal(decodeRequestHead(frameBody(requests[2]!), false).messageName, 'appendBatch');

    const replies = decodeAll(readVector('javaclient-avscserver.s2c.bin'));
    t.same(
      replies.map((f) => f.serial),
      [1, 2, 3],
    );
    const none = readReply(replies[0]!, true, 'append');
    t.equal(none.handshake!.match, 'NONE');
    t.equal(none.handshake!.serverHash!.toString('hex'), AVSC_SERVER_HASH_HEX);
    t.equal(
      md5(none.handshake!.serverProtocol!).toString('hex'),
      AVSC_SERVER_HASH_HEX,
      'the announced hash is the MD5 of the announced text',
    );
    t.equal(JSON.parse(none.handshake!.serverProtocol!).protocol, 'AvroSourceProtocol');
    t.equal(none.hasCall, false, 'the body after a NONE handshake is not read as a call');
    const both = readReply(replies[1]!, true, 'append');
    t.same([both.handshake!.match, both.isError, both.value], ['BOTH', false, 'OK']);
    t.same(readReply(replies[2]!, false, 'appendBatch').value, 'OK');
  },
);

t.test('(b) the encoder reproduces java-plain.c2s.bin byte for byte', async (t) => {
  const append = FLUME_PROTOCOL.messages.get('append')!;
  const appendBatch = FLUME_PROTOCOL.messages.get('appendBatch')!;
  const handshake = { clientHash: JAVA_HASH, clientProtocol: null, serverHash: JAVA_HASH, meta: {} };
  const bytes = Buffer.concat([
    ...encodeFrame(1, encodeRequest('append', append.request.toBuffer({ event: appendEvent() }), handshake)),
    ...encodeFrame(2, encodeRequest('appendBatch', appendBatch.request.toBuffer({ events: batchEvents() }))),
  ]);
  t.equal(bytes.toString('hex'), readVector('java-plain.c2s.bin').toString('hex'));
  // Header order matters: idx before host is another byte string.
  const swapped = batchEvents().map((e) => ({
    headers: { idx: e.headers['idx']!, host: e.headers['host']! },
    body: e.body,
  }));
  const other = Buffer.concat(
    encodeFrame(2, encodeRequest('appendBatch', appendBatch.request.toBuffer({ events: swapped }))),
  );
  t.not(other.toString('hex'), frameBytes(decodeAll(readVector('java-plain.c2s.bin'))[1]!).toString('hex'));
});

/** Our AvroSourceServer recording what its handlers saw and every connection error. */
async function recordingServer(t: Test) {
  const seen = {
    append: [] as AvroFlumeEvent[],
    appendBatch: [] as AvroFlumeEvent[][],
    errors: [] as Array<[Error, string]>,
  };
  const server = await startAvroSource(t, {
    handlers: {
      append: (event) => {
        seen.append.push(event);
        return 'OK';
      },
      appendBatch: (events) => {
        seen.appendBatch.push(events);
        return 'OK';
      },
    },
  });
  server.on('connectionError', (error, address) => seen.errors.push([error, address]));
  return { server, seen };
}

t.test('(c) our server answers the raw java-plain.c2s.bin bytes like the Java server', async (t) => {
  const { server, seen } = await recordingServer(t);
  const client = await RawClient.connect(t, server.port);
  client.write(readVector('java-plain.c2s.bin'));
  const { bytes, closed } = await client.collect(frames(2));
  t.notOk(closed, 'the connection stays open');
  const replies = decodeFrames(bytes);
  t.same(
    replies.map((f) => f.serial),
    [1, 2],
  );
  const r1 = readReply(replies[0]!, true, 'append');
  t.equal(r1.handshake!.match, 'BOTH');
  t.same([r1.isError, r1.value], [false, 'OK']);
  const r2 = readReply(replies[1]!, false, 'appendBatch');
  t.same([r2.isError, r2.value], [false, 'OK']);
  // The message bodies are the Java server's, byte for byte (the buffer split may differ).
  const java = decodeAll(readVector('java-plain.s2c.bin'));
  t.same(
    replies.map((f) => frameBody(f).toString('hex')),
    java.map((f) => frameBody(f).toString('hex')),
    'same bodies as java-plain.s2c.bin',
  );
  t.same(plainEvents(seen.append), plainEvents([appendEvent()]));
  t.same(seen.appendBatch.map(plainEvents), [plainEvents(batchEvents())]);
  t.same(seen.errors, []);
  t.equal(server.stats.eventsAcknowledged, 4);
});

t.test('(c) the same bytes split into 1-byte writes are answered the same', async (t) => {
  const { server, seen } = await recordingServer(t);
  const client = await RawClient.connect(t, server.port);
  const c2s = readVector('java-plain.c2s.bin');
  client.socket.cork();
  for (let i = 0; i < c2s.length; i += 1) client.write(c2s.subarray(i, i + 1));
  client.socket.uncork();
  const { bytes } = await client.collect(frames(2));
  t.same(
    decodeFrames(bytes).map((f) => readReply(f, f.serial === 1, f.serial === 1 ? 'append' : 'appendBatch').value),
    ['OK', 'OK'],
  );
  t.equal(seen.append.length + seen.appendBatch.length, 2);
});

t.test('(d) javaclient-avscserver.c2s.bin frames replayed to our server', async (t) => {
  const requests = decodeAll(readVector('javaclient-avscserver.c2s.bin'));

  t.test('first try (Java hash guessed) then the batch: BOTH + OK, then OK', async (t) => {
    // Our server has the Java hash, so the Java client's first guess is right; it would never
    // have sent the retry (frame 2) to us.
    const { server, seen } = await recordingServer(t);
    const client = await RawClient.connect(t, server.port);
    client.write(Buffer.concat([frameBytes(requests[0]!), frameBytes(requests[2]!)]));
    const replies = decodeFrames((await client.collect(frames(2))).bytes);
    t.same(
      replies.map((f) => f.serial),
      [1, 3],
    );
    const r1 = readReply(replies[0]!, true, 'append');
    t.same([r1.handshake!.match, r1.value], ['BOTH', 'OK']);
    t.equal(readReply(replies[1]!, false, 'appendBatch').value, 'OK');
    t.same(plainEvents(seen.append), plainEvents([appendEvent()]));
    t.same(seen.appendBatch.map(plainEvents), [plainEvents(batchEvents())]);
  });

  t.test('the retry frame as the first request (text + the avsc hash): CLIENT with our protocol + OK', async (t) => {
    const { server, seen } = await recordingServer(t);
    const client = await RawClient.connect(t, server.port);
    client.write(Buffer.concat([frameBytes(requests[1]!), frameBytes(requests[2]!)]));
    const replies = decodeFrames((await client.collect(frames(2))).bytes);
    t.same(
      replies.map((f) => f.serial),
      [2, 3],
    );
    const r = readReply(replies[0]!, true, 'append');
    t.equal(r.handshake!.match, 'CLIENT', 'we know the client protocol; its serverHash guess was wrong');
    t.equal(r.handshake!.serverProtocol, FLUME_PROTOCOL_TEXT);
    t.equal(r.handshake!.serverHash!.toString('hex'), FLUME_PROTOCOL_MD5);
    t.same([r.isError, r.value], [false, 'OK']);
    t.equal(readReply(replies[1]!, false, 'appendBatch').value, 'OK');
    t.equal(seen.append.length, 1);
    t.equal(seen.appendBatch.length, 1);
  });

  // Regression test: bug found on d116995, fixed in 939ff59 (decoding the stray handshake as call metadata (a map with a huge block count) blocks the event loop).
  t.test(
    'the whole recorded stream: serial 1 answered, the stray handshake refused in bounded time, server stays up',
    async (t) => {
      // Frame 2 re-sends the handshake on a connection our server already completed with BOTH;
      // read as call metadata its first bytes declare ~10^12 map entries, which avsc's map reader
      // would loop over if the count were not checked first. The server runs in a worker so a
      // blocked event loop fails this test instead of hanging the suite.
      const server = await startIsolatedServer(t);
      const bystander = await RawClient.connect(t, server.port); // opened before the bad stream
      const client = await RawClient.connect(t, server.port);
      client.write(readVector('javaclient-avscserver.c2s.bin'));
      // The server answers serial 1, then fails the connection at frame 2 (it cannot be call
      // metadata) and closes it: serial 3 is never read.
      const got = await client.collect(frames(3)).catch(() => ({ bytes: client.received, closed: client.closed }));
      const replies = decodeFrames(got.bytes);
      t.same(
        replies.map((f) => f.serial),
        [1],
        'serial 1 is answered, nothing after it',
      );
      if (replies[0]) {
        const r1 = readReply(replies[0], true, 'append');
        t.same([r1.handshake?.match, r1.isError, r1.value], ['BOTH', false, 'OK']);
      }
      t.ok(got.closed, 'the server closed the connection');
      const error = await server.waitFor((m) => m.type === 'connectionError', 1500).catch(() => null);
      t.ok(error, 'and reported it');
      if (error?.type === 'connectionError') {
        t.equal(error.name, 'ProtocolError');
        t.match(error.message, /request metadata/, 'the stray handshake was read as call metadata and refused');
      }
      await server.waitFor((m) => m.type === 'append', 1500).catch(() => null);
      t.same(
        server.messages.filter((m) => m.type === 'append' || m.type === 'appendBatch'),
        [{ type: 'append', event: { headers: { host: 'web-1' }, body: 'hello flume' } }],
        'the handlers saw the append only',
      );
      // The server still serves a connection that was already open.
      bystander.write(readVector('java-plain.c2s.bin'));
      const other = await bystander
        .collect(frames(2), 1500)
        .catch(() => ({ bytes: bystander.received, closed: bystander.closed }));
      t.equal(decodeFrames(other.bytes).length, 2, 'another connection is still answered');
    },
  );
});

/**
 * A raw server that plays back a recorded server: the i-th request frame it receives is answered
 * with the i-th recorded reply frame, its serial rewritten to the request's.
 */
async function playbackServer(t: Test, recorded: Frame[]) {
  const requests: Frame[] = [];
  const errors: unknown[] = [];
  const raw = await startRawServer(t, (socket: net.Socket) => {
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const request of decoder.push(chunk)) {
          const reply = recorded[requests.length];
          requests.push(request);
          if (reply) socket.write(withSerial(reply, request.serial));
        }
      } catch (err) {
        errors.push(err);
        socket.destroy();
      }
    });
  });
  return { port: raw.port, requests, errors };
}

t.test('(e) our Transceiver against the recorded Java server (java-plain.s2c.bin)', async (t) => {
  const playback = await playbackServer(t, decodeAll(readVector('java-plain.s2c.bin')));
  const transceiver = openTransceiver(t, playback.port);
  const matches: string[] = [];
  transceiver.on('handshake', (match) => matches.push(match));
  t.equal(await within(transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK');
  t.equal(await within(transceiver.appendBatch(batchEvents()), SLACK_MS, 'appendBatch'), 'OK');
  t.same(matches, ['BOTH']);
  t.equal(transceiver.state, 'ready');
  t.same(playback.errors, []);
  // What we sent is what the Java client sent, byte for byte.
  t.same(
    playback.requests.map((f) => frameBytes(f).toString('hex')),
    decodeAll(readVector('java-plain.c2s.bin')).map((f) => frameBytes(f).toString('hex')),
    'our request frames equal java-plain.c2s.bin',
  );
});

t.test('(e) our Transceiver against the recorded avsc server: NONE, resend with our text, then BOTH', async (t) => {
  const recorded = decodeAll(readVector('javaclient-avscserver.s2c.bin'));
  const playback = await playbackServer(t, recorded);
  const transceiver = openTransceiver(t, playback.port);
  const matches: string[] = [];
  transceiver.on('handshake', (match) => matches.push(match));
  t.equal(await within(transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK');
  t.equal(await within(transceiver.appendBatch(batchEvents()), SLACK_MS, 'appendBatch'), 'OK');
  t.same(matches, ['NONE', 'BOTH']);
  t.same(playback.errors, []);
  t.equal(playback.requests.length, 3, 'first try, resend, batch');

  const first = decodeRequestHead(frameBody(playback.requests[0]!), true);
  t.same([first.handshake!.clientProtocol, first.handshake!.serverHash.toString('hex')], [null, FLUME_PROTOCOL_MD5]);
  const resent = decodeRequestHead(frameBody(playback.requests[1]!), true);
  t.equal(resent.handshake!.clientProtocol, FLUME_PROTOCOL_TEXT, 'the resend carries our protocol text');
  const noneReply = decodeResponseHead(frameBody(recorded[0]!), true);
  t.equal(
    resent.handshake!.serverHash.toString('hex'),
    noneReply.handshake!.serverHash!.toString('hex'),
    'and the server hash from the NONE reply',
  );
  t.equal(resent.messageName, 'append', 'the resend repeats the call');
  t.not(playback.requests[1]!.serial, playback.requests[0]!.serial, 'under a new serial');
  t.equal(decodeRequestHead(frameBody(playback.requests[2]!), false).messageName, 'appendBatch');
  // The whole exchange is the Java client's, byte for byte.
  t.same(
    playback.requests.map((f) => frameBytes(f).toString('hex')),
    decodeAll(readVector('javaclient-avscserver.c2s.bin')).map((f) => frameBytes(f).toString('hex')),
    'our request frames equal javaclient-avscserver.c2s.bin',
  );
});

t.test('(e) a recorded reply cut short is a ProtocolError for the client, not a hang', async (t) => {
  // The first reply without its last byte, then the server closes.
  const full = frameBytes(decodeAll(readVector('java-plain.s2c.bin'))[0]!);
  const raw = await startRawServer(t, (socket) => {
    socket.once('data', () => socket.end(full.subarray(0, full.length - 1)));
  });
  const transceiver = openTransceiver(t, raw.port);
  const error = await within(
    transceiver.append(appendEvent()).then(
      () => null,
      (e: unknown) => e,
    ),
    SLACK_MS,
    'append to settle',
  );
  t.ok(
    error instanceof ConnectionClosedError || error instanceof ProtocolError,
    `the append rejects (${String(error)})`,
  );
  t.equal(transceiver.state, 'closed');
});
