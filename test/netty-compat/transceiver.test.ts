/**
 * The Transceiver's life cycle and call matching against our AvroSourceServer and raw servers:
 * state events in order, handshake by ping, pipelined calls matched by serial, remote errors,
 * local encoding errors, and a peer that breaks the protocol.
 */
import t, { type Test } from 'tap';
import type net from 'node:net';
import {
  type AvroFlumeEvent,
  type ConnectionState,
  FLUME_PROTOCOL,
  type FlumeRpcError,
  FrameDecoder,
  HandshakeError,
  ProtocolError,
  RemoteError,
  type Status,
  decodeRequestHead,
  encodeFrame,
  encodeResponse,
  frameBody,
  parseProtocol,
} from '@flume-rpc/netty-compat';
import { appendEvent, batchEvents } from '../fixtures/vectors.js';
import {
  SLACK_MS,
  freshCache,
  nextEvent,
  openTransceiver,
  outcome,
  startAvroSource,
  startRawServer,
  within,
} from '../fixtures/index.js';

function event(body: string, headers: Record<string, string> = {}): AvroFlumeEvent {
  return { headers, body: Buffer.from(body) };
}

const STATUS = FLUME_PROTOCOL.messages.get('append')!.response;

const BOTH_OK = () =>
  encodeResponse(
    { match: 'BOTH', serverProtocol: null, serverHash: null, meta: null },
    { error: false, value: STATUS.toBuffer('OK') },
  );

/**
 * A raw server speaking just enough of the protocol: requests are answered by `handshake` (the
 * reply's buffers) until its reply has a match other than NONE, then by `call` (the reply's raw
 * bytes; null: no answer). Defaults: BOTH + OK, and OK.
 */
async function scriptedServer(
  t: Test,
  script: {
    handshake?: (serial: number) => Buffer[];
    call?: (serial: number) => Buffer | null;
  },
) {
  const requests: Array<{ serial: number; body: Buffer }> = [];
  const raw = await startRawServer(t, (socket: net.Socket) => {
    const decoder = new FrameDecoder();
    let handshaken = false;
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        requests.push({ serial: frame.serial, body: frameBody(frame) });
        if (!handshaken) {
          const buffers = (script.handshake ?? BOTH_OK)(frame.serial);
          handshaken = buffers[0]![0] !== 4; // the HandshakeMatch enum: 0 BOTH, 2 CLIENT, 4 NONE (zigzag)
          socket.write(Buffer.concat(encodeFrame(frame.serial, buffers)));
          continue;
        }
        const reply = script.call
          ? script.call(frame.serial)
          : Buffer.concat(
              encodeFrame(frame.serial, encodeResponse(null, { error: false, value: STATUS.toBuffer('OK') })),
            );
        if (reply) socket.write(reply);
      }
    });
  });
  return { port: raw.port, requests };
}

t.test("state events in order: connecting -> handshaking -> ready -> closed, and one 'close'", async (t) => {
  const server = await startAvroSource(t);
  const transceiver = openTransceiver(t, server.port);
  t.equal(transceiver.state, 'connecting', 'connecting from construction');
  const states: Array<[ConnectionState, ConnectionState]> = [];
  const closes: FlumeRpcError[] = [];
  transceiver.on('state', (to, from) => states.push([to, from]));
  transceiver.on('close', (error) => closes.push(error));
  t.equal(await within(transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK');
  t.same(states, [
    ['handshaking', 'connecting'],
    ['ready', 'handshaking'],
  ]);
  transceiver.close();
  t.same(states.at(-1), ['closed', 'ready']);
  t.equal(states.length, 3);
  t.equal(closes.length, 1);
  t.equal(closes[0]!.code, 'FLUME_RPC_CONNECTION_CLOSED');
});

t.test('with no call waiting, the handshake goes out as a ping and ready() resolves', async (t) => {
  const server = await startAvroSource(t);
  const transceiver = openTransceiver(t, server.port);
  const matches: string[] = [];
  transceiver.on('handshake', (m) => matches.push(m));
  await within(transceiver.ready(), SLACK_MS, 'ready');
  t.equal(transceiver.state, 'ready');
  t.same(matches, ['BOTH']);
  t.equal(server.stats.callsAnswered, 0, 'the ping is not a call');
  await transceiver.ready(); // resolves again at once
  t.equal(await within(transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK');
  t.equal(server.stats.callsAnswered, 1);
});

t.test('the ping the Transceiver sends is an empty message name carrying the handshake', async (t) => {
  const server = await scriptedServer(t, {
    handshake: () => encodeResponse({ match: 'BOTH', serverProtocol: null, serverHash: null, meta: null }, null),
  });
  const transceiver = openTransceiver(t, server.port);
  await within(transceiver.ready(), SLACK_MS, 'ready');
  t.equal(server.requests.length, 1);
  const head = decodeRequestHead(server.requests[0]!.body, true);
  t.equal(head.messageName, '');
  t.equal(head.paramsOffset, server.requests[0]!.body.length, 'nothing after the name');
  t.equal(head.handshake!.clientProtocol, null);
});

t.test('pipelined calls are matched by serial even when answers overtake each other', async (t) => {
  // Event i is answered after (N - i) * 3 ms, so answers come back in reverse; odd ones FAIL.
  const N = 20;
  const order: number[] = [];
  const server = await startAvroSource(t, {
    handlers: {
      append: (e) => {
        const i = Number(e.headers['i']);
        return new Promise<Status>((resolve) =>
          setTimeout(
            () => {
              order.push(i);
              resolve(i % 2 === 1 ? 'FAILED' : 'OK');
            },
            (N - i) * 3,
          ),
        );
      },
    },
  });
  const transceiver = openTransceiver(t, server.port);
  await within(transceiver.ready(), SLACK_MS, 'ready');
  const calls = Array.from({ length: N }, (_, i) => transceiver.append(event(`e${i}`, { i: String(i) })));
  t.equal(transceiver.pendingCount, N);
  const statuses = await within(Promise.all(calls), SLACK_MS, 'all calls');
  t.same(
    statuses,
    Array.from({ length: N }, (_, i) => (i % 2 === 1 ? 'FAILED' : 'OK')),
    'each call got its own answer',
  );
  t.not(order.join(','), [...order].sort((a, b) => a - b).join(','), 'answers really came back out of order');
  t.equal(transceiver.pendingCount, 0);
});

t.test('a handler error comes back as RemoteError; the connection stays ready', async (t) => {
  const server = await startAvroSource(t, {
    handlers: {
      append: (e) => {
        if (e.body.toString() === 'boom') throw new Error('disk full');
        return 'OK';
      },
      appendBatch: async () => {
        throw new Error('channel closed');
      },
    },
  });
  const transceiver = openTransceiver(t, server.port);
  const failed = await within(outcome(transceiver.append(event('boom'))), SLACK_MS, 'append');
  t.ok(!failed.ok && failed.error instanceof RemoteError, 'RemoteError');
  const error = !failed.ok ? (failed.error as RemoteError) : null;
  t.equal(error?.code, 'FLUME_RPC_REMOTE');
  t.equal(error?.messageName, 'append');
  t.equal(error?.remoteMessage, 'disk full');
  const batch = await within(outcome(transceiver.appendBatch(batchEvents())), SLACK_MS, 'appendBatch');
  t.ok(
    !batch.ok && batch.error instanceof RemoteError && batch.error.remoteMessage === 'channel closed',
    'async handler rejection too',
  );
  t.equal(transceiver.state, 'ready');
  t.equal(await within(transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK');
});

t.test('forceStatus answers every append with that status without asking the handlers', async (t) => {
  let handled = 0;
  const server = await startAvroSource(t, {
    faults: { forceStatus: 'FAILED' },
    handlers: { append: () => ((handled += 1), 'OK') },
  });
  const transceiver = openTransceiver(t, server.port);
  t.equal(await within(transceiver.append(appendEvent()), SLACK_MS, 'append'), 'FAILED');
  server.faults.forceStatus = null;
  t.equal(await within(transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK');
  t.equal(handled, 1);
  t.same(
    [server.stats.callsAnswered, server.stats.callsFailed, server.stats.eventsFailed, server.stats.eventsAcknowledged],
    [2, 1, 1, 1],
    'the forced answer is counted as an answered call that failed',
  );
});

t.test('calls the local protocol cannot encode fail before reaching the wire', async (t) => {
  const server = await startAvroSource(t);
  const transceiver = openTransceiver(t, server.port);
  await within(transceiver.ready(), SLACK_MS, 'ready');
  const unknown = await outcome(transceiver.request('nope', {}));
  t.ok(!unknown.ok && unknown.error instanceof ProtocolError, 'unknown message: ProtocolError');
  t.match(!unknown.ok && unknown.error.message, /Message nope is not in protocol AvroSourceProtocol/);
  const bad = await outcome(transceiver.append({ headers: {}, body: 'not bytes' as unknown as Buffer }));
  t.ok(!bad.ok && bad.error instanceof ProtocolError, 'bad parameters: ProtocolError');
  t.match(!bad.ok && bad.error.message, /Cannot encode append parameters/);
  const badHeaders = await outcome(
    transceiver.append({ headers: { n: 1 as unknown as string }, body: Buffer.alloc(0) }),
  );
  t.ok(!badHeaders.ok && badHeaders.error instanceof ProtocolError, 'a non-string header: ProtocolError');
  t.equal(transceiver.pendingCount, 0);
  t.equal(transceiver.state, 'ready');
  t.equal(await within(transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK');
  t.equal(server.stats.callsAnswered, 1, 'only the valid call reached the server');
});

t.test('events survive the trip: binary bodies, unicode headers, empty batch, a 1 MiB body', async (t) => {
  const seen: AvroFlumeEvent[] = [];
  const batches: AvroFlumeEvent[][] = [];
  const server = await startAvroSource(t, {
    handlers: {
      append: (e) => (seen.push(e), 'OK'),
      appendBatch: (es) => (batches.push(es), 'OK'),
    },
  });
  const transceiver = openTransceiver(t, server.port);
  const binary = { headers: { clé: 'välue ✓', empty: '' }, body: Buffer.from([0, 255, 10, 13, 0]) };
  const big = { headers: {}, body: Buffer.alloc(1024 * 1024, 0x5a) };
  t.equal(await within(transceiver.append(binary), SLACK_MS, 'append'), 'OK');
  t.equal(await within(transceiver.append(big), SLACK_MS, 'big append'), 'OK');
  t.equal(await within(transceiver.appendBatch([]), SLACK_MS, 'empty batch'), 'OK');
  t.same(seen[0]!.headers, binary.headers);
  t.ok(seen[0]!.body.equals(binary.body));
  t.ok(seen[1]!.body.equals(big.body), '1 MiB body intact');
  t.same(batches, [[]]);
});

t.test('a response whose serial matches no request fails the connection with ProtocolError', async (t) => {
  const server = await scriptedServer(t, {
    call: () => Buffer.concat(encodeFrame(999, encodeResponse(null, { error: false, value: STATUS.toBuffer('OK') }))),
  });
  const transceiver = openTransceiver(t, server.port);
  t.equal(await within(transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK');
  const closeEvent = nextEvent<[FlumeRpcError]>(transceiver, 'close');
  const result = await within(outcome(transceiver.append(appendEvent())), SLACK_MS, 'append');
  t.ok(!result.ok && result.error instanceof ProtocolError, 'the pending call rejects with ProtocolError');
  t.match(!result.ok && result.error.message, /serial 999 matches no request/);
  const [error] = await closeEvent;
  t.equal(error, !result.ok ? result.error : null);
  t.equal(transceiver.state, 'closed');
});

t.test('garbage from the server fails the connection with ProtocolError', async (t) => {
  const server = await scriptedServer(t, { call: () => Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n') });
  const transceiver = openTransceiver(t, server.port);
  t.equal(await within(transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK');
  const result = await within(outcome(transceiver.append(appendEvent())), SLACK_MS, 'append');
  t.ok(!result.ok && result.error instanceof ProtocolError);
  t.match(!result.ok && result.error.message, /declares \d+ buffers/);
  t.equal(transceiver.state, 'closed');
});

t.test('a reply above the client limits fails the connection with ProtocolError', async (t) => {
  const server = await scriptedServer(t, {
    call: (serial) => Buffer.concat(encodeFrame(serial, [Buffer.alloc(4096)])),
  });
  const transceiver = openTransceiver(t, server.port, { limits: { maxFrameBytes: 1024 } });
  t.equal(await within(transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK');
  const result = await within(outcome(transceiver.append(appendEvent())), SLACK_MS, 'append');
  t.ok(!result.ok && result.error instanceof ProtocolError);
  t.match(!result.ok && result.error.message, /exceeds 1024 bytes/);
});

/** A server that answers calls after the handshake with Status index 7, which does not exist. */
const BAD_STATUS = (serial: number) => Buffer.concat(encodeFrame(serial, [Buffer.from([0, 0, 14])]));

t.test('a reply whose value does not decode closes the connection with ProtocolError', async (t) => {
  const server = await scriptedServer(t, { call: BAD_STATUS });
  const transceiver = openTransceiver(t, server.port);
  t.equal(await within(transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK');
  const closeEvent = nextEvent<[FlumeRpcError]>(transceiver, 'close');
  const pending = outcome(transceiver.append(appendEvent()));
  const [error] = await closeEvent;
  t.ok(error instanceof ProtocolError, "the 'close' event carries a ProtocolError");
  t.match(error.message, /append response/);
  t.equal(transceiver.state, 'closed');
  await within(pending, SLACK_MS, 'the pending call'); // how it settles: next test
});

// Regression test: bug found on d116995, fixed in 939ff59 (onFrame deletes the call from inFlight before decoding, so fail() cannot reject it).
t.test('a reply whose value does not decode rejects its call at once with the ProtocolError', async (t) => {
  const server = await scriptedServer(t, { call: BAD_STATUS });
  const transceiver = openTransceiver(t, server.port, { requestTimeoutMs: 30_000 });
  t.equal(await within(transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK');
  const closeEvent = nextEvent<[FlumeRpcError]>(transceiver, 'close');
  const pending = outcome(transceiver.append(appendEvent()));
  const [error] = await closeEvent;
  // Before the fix the call was only rejected by its own request timeout (RequestTimeoutError, 30 s later).
  const result = await within(pending, 500, 'the call to be rejected').catch(
    () => 'still pending after 500ms' as const,
  );
  t.ok(
    typeof result === 'object' && !result.ok && result.error === error,
    "rejected at once with the connection's ProtocolError",
  );
  if (typeof result !== 'object') t.comment(result);
});

const OTHER = parseProtocol(JSON.stringify({ ...JSON.parse(FLUME_PROTOCOL.text), doc: 'another build' }));

t.test('a server answering NONE twice: HandshakeError after two attempts', async (t) => {
  const server = await scriptedServer(t, {
    handshake: () =>
      encodeResponse({ match: 'NONE', serverProtocol: OTHER.text, serverHash: OTHER.hash, meta: null }, null),
  });
  const transceiver = openTransceiver(t, server.port);
  const matches: string[] = [];
  transceiver.on('handshake', (m) => matches.push(m));
  const result = await within(outcome(transceiver.append(appendEvent())), SLACK_MS, 'append');
  t.ok(!result.ok && result.error instanceof HandshakeError, 'HandshakeError');
  t.equal(!result.ok && (result.error as HandshakeError).code, 'FLUME_RPC_HANDSHAKE');
  t.match(!result.ok && result.error.message, /after 2 handshake attempts/);
  t.same(matches, ['NONE'], 'the second NONE fails before it is reported');
  t.equal(server.requests.length, 2, 'tried twice, no more');
  t.equal(
    decodeRequestHead(server.requests[1]!.body, true).handshake!.clientProtocol,
    FLUME_PROTOCOL.text,
    'the second try sent our text',
  );
  t.equal(transceiver.state, 'closed');
});

t.test('a server answering CLIENT without its protocol: HandshakeError', async (t) => {
  const server = await scriptedServer(t, {
    handshake: () => encodeResponse({ match: 'CLIENT', serverProtocol: null, serverHash: null, meta: null }, null),
  });
  const transceiver = openTransceiver(t, server.port);
  const result = await within(outcome(transceiver.ready()), SLACK_MS, 'ready');
  t.ok(!result.ok && result.error instanceof HandshakeError);
  t.match(!result.ok && result.error.message, /without its protocol and hash/);
});

t.test('a server answering CLIENT with another protocol: ready, and that protocol is remembered', async (t) => {
  const server = await scriptedServer(t, {
    handshake: () =>
      encodeResponse(
        { match: 'CLIENT', serverProtocol: OTHER.text, serverHash: OTHER.hash, meta: null },
        { error: false, value: STATUS.toBuffer('OK') },
      ),
  });
  const cache = freshCache();
  const transceiver = openTransceiver(t, server.port, { protocolCache: cache });
  t.equal(await within(transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK');
  t.equal(transceiver.state, 'ready');
  t.equal(
    cache.serverHashFor(transceiver.address).toString('hex'),
    OTHER.hash.toString('hex'),
    'the server hash is remembered',
  );
  t.equal(cache.get(OTHER.hash)?.remote.text, OTHER.text, 'and its protocol text');
  t.equal(
    decodeRequestHead(server.requests[0]!.body, true).handshake!.clientProtocol,
    null,
    'one try, without our text',
  );
});

// Regression test: bug found on d116995, fixed in 939ff59 (onHandshakeResponse clears handshakeCarrier before throwing, so the carried call never settles).
t.test('a handshake answer without the response to the call it carried fails that call', async (t) => {
  // The answer completes the handshake (BOTH) but has no call response. The connection fails
  // with a ProtocolError; the carried call, no longer the carrier and never in flight, has no
  // deadline either: before the fix it never settled.
  const server = await scriptedServer(t, {
    handshake: () => encodeResponse({ match: 'BOTH', serverProtocol: null, serverHash: null, meta: null }, null),
  });
  const transceiver = openTransceiver(t, server.port);
  const closeEvent = nextEvent<[FlumeRpcError]>(transceiver, 'close');
  const pending = outcome(transceiver.append(appendEvent()));
  const [error] = await closeEvent;
  t.match(error.message, /carried no response to append/);
  const result = await within(pending, 500, 'the carried call to settle').catch(
    () => 'still pending after 500ms' as const,
  );
  t.ok(
    typeof result === 'object' && !result.ok && result.error === error,
    'the carried call rejects with the ProtocolError',
  );
});

t.test(
  'a handshake answer without the response to the carried call closes the connection with ProtocolError',
  async (t) => {
    const server = await scriptedServer(t, {
      handshake: () => encodeResponse({ match: 'BOTH', serverProtocol: null, serverHash: null, meta: null }, null),
    });
    const transceiver = openTransceiver(t, server.port);
    const closeEvent = nextEvent<[FlumeRpcError]>(transceiver, 'close');
    void transceiver.append(appendEvent()).catch(() => undefined);
    const [error] = await closeEvent;
    t.ok(error instanceof ProtocolError);
    t.match(error.message, /Handshake answer from 127\.0\.0\.1:\d+ carried no response to append/);
    t.equal(transceiver.state, 'closed');
  },
);

t.test('answeredSince tells whether any response frame arrived after a mark', async (t) => {
  const server = await startAvroSource(t);
  const transceiver = openTransceiver(t, server.port);
  const atStart = transceiver.answerMark();
  t.notOk(transceiver.answeredSince(atStart), 'nothing answered yet');
  await within(transceiver.append(appendEvent()), SLACK_MS, 'append');
  t.ok(transceiver.answeredSince(atStart), 'the handshake answer and the response count');
  const afterAppend = transceiver.answerMark();
  t.notOk(transceiver.answeredSince(afterAppend), 'nothing since the last answer');
  await within(transceiver.append(appendEvent()), SLACK_MS, 'append');
  t.ok(transceiver.answeredSince(afterAppend));
});

t.test('three-byte status answers are read exactly, and a bad enum index in one is a ProtocolError', async (t) => {
  // Answers after the handshake, by serial: every Status, then an odd (negative) and an out-of-range index.
  const answers: Record<number, number[]> = { 2: [0, 0, 0], 3: [0, 0, 2], 4: [0, 0, 4], 5: [0, 0, 1] };
  const server = await scriptedServer(t, {
    call: (serial) => Buffer.concat(encodeFrame(serial, [Buffer.from(answers[serial] ?? [0, 0, 0])])),
  });
  const transceiver = openTransceiver(t, server.port);
  t.equal(
    await within(transceiver.appendBatch([event('a')]), SLACK_MS, 'carrier'),
    'OK',
    'the handshake carrier (serial 1)',
  );
  t.equal(await within(transceiver.appendBatch([event('b')]), SLACK_MS, 'ok'), 'OK');
  t.equal(await within(transceiver.append(event('c')), SLACK_MS, 'failed'), 'FAILED');
  t.equal(await within(transceiver.appendBatch([event('d')]), SLACK_MS, 'unknown'), 'UNKNOWN');
  const odd = await outcome(within(transceiver.appendBatch([event('e')]), SLACK_MS, 'odd index'));
  t.equal(odd.ok ? 'answered' : odd.error.name, 'ProtocolError', 'an odd index is refused');
});

t.test('an out-of-range status index is a ProtocolError', async (t) => {
  const server = await scriptedServer(t, {
    call: (serial) => Buffer.concat(encodeFrame(serial, [Buffer.from(serial === 2 ? [0, 0, 6] : [0, 0, 0])])),
  });
  const transceiver = openTransceiver(t, server.port);
  t.equal(await within(transceiver.appendBatch([event('a')]), SLACK_MS, 'carrier'), 'OK');
  const bad = await outcome(within(transceiver.appendBatch([event('b')]), SLACK_MS, 'index 3'));
  t.equal(bad.ok ? 'answered' : bad.error.name, 'ProtocolError', 'index 3 of a 3-symbol enum is refused');
});
