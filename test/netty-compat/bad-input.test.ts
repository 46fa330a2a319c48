/**
 * Malformed input against our AvroSourceServer over raw sockets. For each: the server reports a
 * typed ProtocolError naming the problem ('connectionError', with the offending peer's address),
 * closes that socket, does not crash, and a connection opened before keeps working.
 */
import t, { type Test } from 'tap';
import avro from 'avsc';
import {
  type AvroFlumeEvent,
  type AvroSourceHandlers,
  FLUME_PROTOCOL,
  type FlumeRpcError,
  ProtocolError,
  decodeResponseHead,
  decodeValue,
  encodeFrame,
  encodeHandshakeRequest,
  encodeRequest,
  frameBody,
} from '@flume-rpc/netty-compat';
import { appendEvent, readVector } from '../fixtures/vectors.js';
import {
  FLUME_HANDSHAKE,
  RawClient,
  SLACK_MS,
  decodeFrames,
  frames,
  nextEvent,
  openTransceiver,
  startAvroSource,
  startRawServer,
  within,
} from '../fixtures/index.js';
import { appendInWorker, startIsolatedServer } from '../fixtures/isolated-server.js';

const LONG = avro.Type.forSchema('long');

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n, 0);
  return b;
}

function header(serial: number, count: number): Buffer {
  return Buffer.concat([int32(serial), int32(count)]);
}

function frame(serial: number, buffers: Buffer[]): Buffer {
  return Buffer.concat(encodeFrame(serial, buffers));
}

function appendParams(event: AvroFlumeEvent): Buffer {
  return FLUME_PROTOCOL.messages.get('append')!.request.toBuffer({ event });
}

/** Deterministic "random" bytes (a fixed LCG), so a failure is reproducible. */
function noise(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i += 1) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

interface Scenario {
  /** What the bad client does once connected. */
  send(client: RawClient): void;
  /** What the ProtocolError message must say. */
  message: RegExp;
  /** Handlers for the server; without them its events are checked and counted but not built. */
  handlers?: AvroSourceHandlers;
}

/**
 * Starts a server, opens a healthy Transceiver first, then a raw connection that misbehaves, and
 * checks the four promises; returns the bad client for further checks.
 */
async function misbehave(t: Test, scenario: Scenario): Promise<RawClient> {
  const server = await startAvroSource(t, { handlers: scenario.handlers });
  const errors: Array<[FlumeRpcError, string]> = [];
  server.on('connectionError', (error, address) => errors.push([error, address]));
  const bystander = openTransceiver(t, server.port);
  t.equal(
    await within(bystander.append(appendEvent()), SLACK_MS, 'bystander append'),
    'OK',
    'healthy connection first',
  );

  const client = await RawClient.connect(t, server.port);
  const reported = nextEvent<[FlumeRpcError, string]>(server, 'connectionError');
  scenario.send(client);
  const [error, address] = await reported;
  t.ok(error instanceof ProtocolError, `a ProtocolError (${error?.constructor?.name})`);
  t.equal(error.code, 'FLUME_RPC_PROTOCOL');
  t.match(error.message, scenario.message, 'the message names the problem');
  t.equal(address, client.localAddress, 'attributed to the offending connection');
  await client.waitClosed();
  t.ok(client.closed, 'the server closed the offending socket');
  t.equal(errors.length, 1, 'one error, for that connection only');
  t.equal(server.stats.protocolErrors, 1);

  t.equal(bystander.state, 'ready', 'the earlier connection is untouched');
  t.equal(await within(bystander.append(appendEvent()), SLACK_MS, 'bystander append after'), 'OK', 'and still works');
  t.equal(server.listening, true, 'the server still listens');
  return client;
}

t.test('truncated frame, then the client ends the connection', async (t) => {
  const good = readVector('java-plain.c2s.bin');
  await misbehave(t, {
    send: (client) => {
      client.write(good.subarray(0, 30));
      client.end();
    },
    message: /ended inside a frame/,
  });
});

t.test('a huge buffer count', async (t) => {
  const client = await misbehave(t, {
    send: (c) => c.write(header(1, 0x7fffffff)),
    message: /2147483647 buffers/,
  });
  t.equal(client.received.length, 0, 'nothing is answered');
});

t.test('a negative buffer count', async (t) => {
  await misbehave(t, { send: (c) => c.write(header(3, -7)), message: /-7 buffers/ });
});

t.test('a negative buffer length', async (t) => {
  await misbehave(t, {
    send: (c) => c.write(Buffer.concat([header(1, 2), int32(-1)])),
    message: /buffer of -1 bytes/,
  });
});

t.test('a huge buffer length is refused before its bytes arrive', async (t) => {
  await misbehave(t, {
    send: (c) => c.write(Buffer.concat([header(1, 1), int32(0x7fffffff)])),
    message: /buffer of 2147483647 bytes/,
  });
});

t.test('garbage after a good frame: the good frame is answered, then the connection fails', async (t) => {
  const good = frame(1, encodeRequest('append', appendParams(appendEvent()), FLUME_HANDSHAKE));
  const client = await misbehave(t, {
    send: (c) => {
      c.write(good);
      // The garbage follows once the good frame's answer is in.
      void c.collect(frames(1)).then(() => c.write(Buffer.from('GET / HTTP/1.1\r\nHost: flume\r\n\r\n')));
    },
    message: /790644820 buffers/, // 'GET ' and '/ HT' read as serial and count
  });
  const replies = decodeFrames(client.received);
  t.equal(replies.length, 1, 'one reply');
  const body = frameBody(replies[0]!);
  const head = decodeResponseHead(body, true);
  t.same([replies[0]!.serial, head.handshake!.match, head.isError], [1, 'BOTH', false]);
  t.equal(decodeValue(FLUME_PROTOCOL.messages.get('append')!.response, body, head.valueOffset, 'status'), 'OK');
});

t.test('garbage in the same segment as a good frame', async (t) => {
  // The good frame is decoded first; its answer may be dropped with the connection.
  const good = frame(1, encodeRequest('append', appendParams(appendEvent()), FLUME_HANDSHAKE));
  const client = await misbehave(t, {
    send: (c) => c.write(Buffer.concat([good, Buffer.from('GET / HTTP/1.1\r\n\r\n')])),
    message: /790644820 buffers/,
  });
  t.ok(
    decodeFrames(client.received).every((f) => f.serial === 1),
    "nothing but (at most) the good frame's answer",
  );
});

t.test('random bytes as the handshake', async (t) => {
  // 16 bytes of "hash", then a union index no handshake has.
  const bytes = Buffer.concat([noise(16, 7), Buffer.from([0x7f]), noise(20, 8)]);
  await misbehave(t, { send: (c) => c.write(frame(1, [bytes])), message: /handshake request/ });
});

t.test('a handshake cut short', async (t) => {
  await misbehave(t, { send: (c) => c.write(frame(1, [noise(10, 3)])), message: /handshake request/ });
});

t.test('a call without the handshake as the first request', async (t) => {
  // java-plain's serial 2 (appendBatch, no handshake) sent first.
  const requests = decodeFrames(readVector('java-plain.c2s.bin'));
  await misbehave(t, {
    send: (c) => c.write(frame(2, requests[1]!.buffers)),
    message: /handshake request/,
  });
});

t.test('an unknown message name: an error response first, then the connection fails', async (t) => {
  const client = await misbehave(t, {
    send: (c) => c.write(frame(5, encodeRequest('nope', Buffer.alloc(0), FLUME_HANDSHAKE))),
    message: /Unknown message "nope"/,
  });
  const replies = decodeFrames(client.received);
  t.equal(replies.length, 1, 'the client got an answer before the close');
  const body = frameBody(replies[0]!);
  const head = decodeResponseHead(body, true);
  t.equal(replies[0]!.serial, 5);
  t.equal(head.handshake!.match, 'BOTH');
  t.equal(head.isError, true, 'an error response');
  t.equal(
    decodeValue(FLUME_PROTOCOL.messages.get('append')!.errors, body, head.valueOffset, 'error'),
    'No such message: nope',
  );
});

t.test('an unknown message after the handshake completed', async (t) => {
  const client = await misbehave(t, {
    send: (c) => {
      c.write(frame(1, encodeRequest('append', appendParams(appendEvent()), FLUME_HANDSHAKE)));
      void c.collect(frames(1)).then(() => c.write(frame(2, encodeRequest('nope', null))));
    },
    message: /Unknown message "nope"/,
  });
  const replies = decodeFrames(client.received);
  t.same(
    replies.map((f) => f.serial),
    [1, 2],
  );
  const body = frameBody(replies[1]!);
  const head = decodeResponseHead(body, false);
  t.equal(head.isError, true);
  t.equal(
    decodeValue(FLUME_PROTOCOL.messages.get('append')!.errors, body, head.valueOffset, 'error'),
    'No such message: nope',
  );
});

// Regression test: bug found on d116995, fixed in 939ff59 (ServerConnection.fail() destroys the socket while earlier answers are still being produced).
t.test(
  'a fatal error on a later request does not drop the answer to an earlier call the handler accepted',
  async (t) => {
    // Both frames in one segment: serial 1 is handled (the event is committed and counted), but
    // its answer is produced asynchronously and dropped when serial 2 fails the connection; the
    // client sees serial 1 fail and resends an event the server already took.
    const server = await startAvroSource(t);
    const client = await RawClient.connect(t, server.port);
    client.write(
      Buffer.concat([
        frame(1, encodeRequest('append', appendParams(appendEvent()), FLUME_HANDSHAKE)),
        frame(2, encodeRequest('nope', null)),
      ]),
    );
    await client.waitClosed();
    t.equal(server.stats.eventsAcknowledged, 1, 'the server took the event');
    // Answers may come in any order (serials match them).
    t.same(
      decodeFrames(client.received)
        .map((f) => f.serial)
        .sort(),
      [1, 2],
      'and answered it before closing',
    );
  },
);

// Both server paths read parameters: events built for a handler, or only checked and counted.
const PARAMETER_MODES: Array<[string, AvroSourceHandlers | undefined]> = [
  ['counted, no handler', undefined],
  ['built for a handler', { append: () => 'OK', appendBatch: () => 'OK' }],
];
for (const [mode, handlers] of PARAMETER_MODES) {
  t.test(`invalid parameters: cut short (${mode})`, async (t) => {
    // A map of 1 entry whose key says 4 bytes and has 1.
    const params = Buffer.from([0x02, 0x08, 0x68]);
    const client = await misbehave(t, {
      send: (c) => c.write(frame(1, encodeRequest('append', params, FLUME_HANDSHAKE))),
      message: /append parameters/,
      handlers,
    });
    t.equal(decodeFrames(client.received).length, 0, 'no answer to an unreadable call');
  });

  t.test(`invalid parameters: trailing bytes after a valid event (${mode})`, async (t) => {
    const params = Buffer.concat([appendParams(appendEvent()), Buffer.from([0, 0, 0])]);
    await misbehave(t, {
      send: (c) => c.write(frame(1, encodeRequest('append', params, FLUME_HANDSHAKE))),
      message: /append parameters/,
      handlers,
    });
  });

  t.test(`invalid parameters on a later call: earlier answers stand (${mode})`, async (t) => {
    const client = await misbehave(t, {
      send: (c) => {
        c.write(frame(1, encodeRequest('append', appendParams(appendEvent()), FLUME_HANDSHAKE)));
        void c.collect(frames(1)).then(() => c.write(frame(2, encodeRequest('append', Buffer.from([0x03])))));
      },
      message: /append parameters/,
      handlers,
    });
    t.same(
      decodeFrames(client.received).map((f) => f.serial),
      [1],
      'serial 1 answered, serial 2 not',
    );
  });
}

t.test("a frame above the server's configured limits", async (t) => {
  const server = await startAvroSource(t, { limits: { maxFrameBytes: 1024 } });
  const bystander = openTransceiver(t, server.port);
  t.equal(await within(bystander.append(appendEvent()), SLACK_MS, 'append'), 'OK');
  const client = await RawClient.connect(t, server.port);
  const reported = nextEvent<[FlumeRpcError, string]>(server, 'connectionError');
  client.write(
    frame(1, encodeRequest('append', appendParams({ headers: {}, body: Buffer.alloc(2000) }), FLUME_HANDSHAKE)),
  );
  const [error] = await reported;
  t.ok(error instanceof ProtocolError);
  t.match(error.message, /exceeds 1024 bytes/);
  await client.waitClosed();
  // The same limit applies to the healthy client's big events: it is refused, the server goes on.
  const refused = await bystander.append({ headers: {}, body: Buffer.alloc(2000) }).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(refused instanceof Error, 'an oversized event fails the call');
  const fresh = openTransceiver(t, server.port);
  t.equal(
    await within(fresh.append(appendEvent()), SLACK_MS, 'append'),
    'OK',
    'the server still serves new connections',
  );
});

t.test('many bad connections in a row do not disturb a good one', async (t) => {
  const server = await startAvroSource(t);
  let reported = 0;
  server.on('connectionError', () => (reported += 1));
  const good = openTransceiver(t, server.port);
  await within(good.ready(), SLACK_MS, 'ready');
  const inputs = [
    header(1, -1),
    Buffer.concat([header(1, 1), int32(-1)]),
    frame(1, [noise(10, 1)]),
    frame(1, [noise(40, 2)]),
  ];
  for (let i = 0; i < 20; i += 1) {
    const bad = await RawClient.connect(t, server.port);
    bad.write(inputs[i % inputs.length]!);
    await bad.waitClosed();
    if (i % 5 === 4)
      t.equal(await within(good.append(appendEvent()), SLACK_MS, 'append'), 'OK', `after ${i + 1} bad connections`);
  }
  t.equal(await within(good.append(appendEvent()), SLACK_MS, 'append'), 'OK');
  t.equal(reported, 20, 'every bad connection reported');
});

// Inputs that would make avsc's decoder loop (or allocate) once per declared map entry / array
// item if counts were not checked first: a few bytes declare 2^30 to 2^40 of them. The server runs
// in a worker so a blocked event loop fails these tests (in bounded time) instead of hanging the suite.
const HUGE_BLOCK = LONG.toBuffer(2 ** 40);

async function staysResponsive(t: Test, bad: Buffer, message: RegExp) {
  const server = await startIsolatedServer(t);
  const bystander = await RawClient.connect(t, server.port); // opened before the bad one
  const client = await RawClient.connect(t, server.port);
  client.write(bad);
  const error = await server.waitFor((m) => m.type === 'connectionError', 1500).catch(() => null);
  t.ok(error, 'the server reports the bad connection within 1.5 s');
  if (error?.type === 'connectionError') {
    t.equal(error.name, 'ProtocolError');
    t.match(error.message, message);
  }
  await client.waitClosed(500).catch(() => undefined);
  t.ok(client.closed, 'and closes it');
  bystander.write(readVector('java-plain.c2s.bin'));
  const got = await bystander.collect(frames(2), 1500).catch(() => ({ bytes: bystander.received }));
  t.equal(decodeFrames(got.bytes).length, 2, 'a connection opened before is still answered');
}

// Regression test: bug found on d116995, fixed in 939ff59 (avsc map decoding loops once per declared entry; a 6-byte block count blocks the event loop).
t.test('call metadata declaring 2^40 map entries is rejected without blocking the server', async (t) => {
  // A valid handshake, then call metadata: a map declaring 2^40 entries, and nothing more.
  await staysResponsive(
    t,
    frame(1, [Buffer.concat([encodeHandshakeRequest(FLUME_HANDSHAKE), HUGE_BLOCK])]),
    /request metadata/,
  );
});

// Regression test: bug found on d116995, fixed in 939ff59 (avsc array decoding allocates one item per declared entry before noticing the buffer ended).
t.test(
  'appendBatch parameters declaring 2^30 events are rejected without blocking (or exhausting) the server',
  async (t) => {
    // 2^30, not 2^40: avsc allocates `new Array(n)` first, which throws at once above 2^32 - 1.
    await staysResponsive(
      t,
      frame(1, encodeRequest('appendBatch', LONG.toBuffer(2 ** 30), FLUME_HANDSHAKE)),
      /appendBatch parameters/,
    );
  },
);

// Regression test: bug found on d116995, fixed in 939ff59 (the handshake meta map is decoded by avsc without a bound on its block count).
t.test('a handshake whose meta declares 2^40 entries is rejected without blocking the server', async (t) => {
  const hs = Buffer.concat([FLUME_PROTOCOL.hash, Buffer.from([0]), FLUME_PROTOCOL.hash, Buffer.from([2]), HUGE_BLOCK]);
  await staysResponsive(t, frame(1, [hs]), /handshake request/);
});

// Regression test: bug found on d116995, fixed in 939ff59 (decodeHandshakeResponse blocks the client event loop, so no Transceiver timeout can fire).
t.test(
  'client side: a handshake answer whose meta declares 2^40 entries fails the call within its timeout',
  async (t) => {
    // BOTH, no protocol, no hash, meta = a map declaring 2^40 entries.
    const hostile = Buffer.concat([Buffer.from([0, 0, 0, 2]), HUGE_BLOCK]);
    const raw = await startRawServer(t, (socket) => {
      socket.once('data', () => socket.write(frame(1, [hostile])));
    });
    const outcome = await appendInWorker(t, raw.port, 300, 2000);
    t.ok(outcome, 'the append settles (the client is not stuck)');
    if (outcome) {
      t.equal(outcome.ok, false);
      if (!outcome.ok) t.equal(outcome.name, 'ProtocolError');
    }
  },
);
