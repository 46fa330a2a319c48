/**
 * The Avro IPC call format: request = [handshake] metadata, name, parameters; response =
 * [handshake] metadata, error flag, value or error. Buffers split as Avro Java splits them.
 */
import t from 'tap';
import avro from 'avsc';
import fc from 'fast-check';
import {
  FLUME_PROTOCOL,
  PING_MESSAGE,
  ProtocolError,
  decodeRequestFrame,
  decodeRequestHead,
  decodeResponseHead,
  decodeValue,
  encodeEventArrayAfter,
  encodeFrame,
  encodeRequest,
  encodeResponse,
  frameRequestInPlace,
  requestHeadroom,
} from '@flume-rpc/netty-compat';
import { appendEvent } from '../fixtures/vectors.js';
import { FLUME_HANDSHAKE } from '../fixtures/index.js';

const APPEND = FLUME_PROTOCOL.messages.get('append')!;

t.test('a request is [handshake + metadata + name, params]; without handshake [metadata + name, params]', async (t) => {
  const params = APPEND.request.toBuffer({ event: appendEvent() });
  const withHs = encodeRequest('append', params, FLUME_HANDSHAKE);
  t.equal(withHs.length, 2);
  t.equal(withHs[0]!.length, 35 + 1 + 7, 'handshake, empty metadata, "append"');
  t.equal(withHs[1], params, 'the parameters are passed on as they are');
  const plain = encodeRequest('append', params);
  t.equal(plain[0]!.toString('hex'), '00' + '0c' + Buffer.from('append').toString('hex'));
  const body = Buffer.concat(withHs);
  const head = decodeRequestHead(body, true);
  t.same(head.handshake, FLUME_HANDSHAKE);
  t.equal(head.messageName, 'append');
  t.same(decodeValue<{ event: unknown }>(APPEND.request, body, head.paramsOffset, 'params'), { event: appendEvent() });
  const plainHead = decodeRequestHead(Buffer.concat(plain), false);
  t.same([plainHead.handshake, plainHead.messageName, plainHead.paramsOffset], [null, 'append', 8]);
});

t.test('a request framed in place is byte for byte the frame encodeFrame builds from encodeRequest', async (t) => {
  const events = [appendEvent(), { headers: {}, body: Buffer.alloc(700, 7) }];
  const params = FLUME_PROTOCOL.messages.get('appendBatch')!.request.toBuffer({ events });
  for (const serial of [1, 2 ** 31 + 5, 2 ** 32 - 1]) {
    const inPlace = frameRequestInPlace(
      encodeEventArrayAfter(events, requestHeadroom('appendBatch')),
      serial,
      'appendBatch',
    );
    t.equal(
      inPlace.toString('hex'),
      Buffer.concat(encodeFrame(serial, encodeRequest('appendBatch', params))).toString('hex'),
      `serial ${serial}`,
    );
  }
  t.throws(
    () => frameRequestInPlace(encodeEventArrayAfter(events, 3), 1, 'appendBatch'),
    /headroom/,
    'too little headroom is refused',
  );
});

t.test('decodeRequestFrame reads the parameters where they arrived, whatever the split', async (t) => {
  const params = APPEND.request.toBuffer({ event: appendEvent() });
  const [head, rest] = encodeRequest('append', params, FLUME_HANDSHAKE) as [Buffer, Buffer];
  const whole = Buffer.concat([head, rest]);
  const read = (buffers: Buffer[]) => {
    const frame = decodeRequestFrame(buffers, true);
    return {
      name: frame.messageName,
      hs: frame.handshake,
      value: decodeValue(APPEND.request, frame.params, frame.paramsOffset, 'params'),
    };
  };
  const expected = { name: 'append', hs: FLUME_HANDSHAKE, value: { event: appendEvent() } };
  const asJava = decodeRequestFrame([head, rest], true);
  t.equal(asJava.params, rest, 'head in its own buffer (Java, ours): the parameters buffer itself, not a copy');
  t.equal(asJava.paramsOffset, 0);
  t.same(read([whole]), expected, 'one buffer (avsc)');
  t.same(
    read([head, rest.subarray(0, 5), Buffer.alloc(0), rest.subarray(5)]),
    expected,
    "parameters in several buffers (Java's 8 KiB pieces)",
  );
  t.same(read([whole.subarray(0, 10), whole.subarray(10)]), expected, 'the head itself split');
  t.same(
    read([whole.subarray(0, head.length + 3), whole.subarray(head.length + 3)]),
    expected,
    'split inside the parameters',
  );
  t.throws(
    () => decodeRequestFrame([head.subarray(0, 10)], true),
    ProtocolError,
    'a head cut short is still a ProtocolError',
  );
});

t.test('a ping is the handshake with an empty message name and no parameters', async (t) => {
  const ping = encodeRequest(PING_MESSAGE, null, FLUME_HANDSHAKE);
  t.equal(ping.length, 1);
  const head = decodeRequestHead(ping[0]!, true);
  t.equal(head.messageName, '');
  t.equal(head.paramsOffset, ping[0]!.length);
});

t.test('request metadata entries are skipped; the name follows them', async (t) => {
  // A metadata map with one entry {"k": bytes "v"}, then the name.
  const body = Buffer.concat([
    Buffer.from([0x02, 0x02, 0x6b, 0x02, 0x76, 0x00]),
    Buffer.from([0x0c]),
    Buffer.from('append'),
  ]);
  t.equal(decodeRequestHead(body, false).messageName, 'append');
});

t.test('responses: handshake prefix only when due; ok and error outcomes', async (t) => {
  const ok = Buffer.concat(encodeResponse(null, { error: false, value: APPEND.response.toBuffer('FAILED') }));
  t.equal(ok.toString('hex'), '00' + '00' + '02', 'metadata, flag false, Status index 1');
  const head = decodeResponseHead(ok, false);
  t.same([head.handshake, head.hasCall, head.isError], [null, true, false]);
  t.equal(decodeValue(APPEND.response, ok, head.valueOffset, 'status'), 'FAILED');

  const err = Buffer.concat(
    encodeResponse(
      { match: 'BOTH', serverProtocol: null, serverHash: null, meta: null },
      { error: true, value: APPEND.errors.toBuffer('disk full') },
    ),
  );
  const errHead = decodeResponseHead(err, true);
  t.same([errHead.handshake!.match, errHead.hasCall, errHead.isError], ['BOTH', true, true]);
  t.equal(decodeValue(APPEND.errors, err, errHead.valueOffset, 'error'), 'disk full');

  const pingAnswer = Buffer.concat(
    encodeResponse({ match: 'BOTH', serverProtocol: null, serverHash: null, meta: null }, null),
  );
  t.same(decodeResponseHead(pingAnswer, true).hasCall, false, 'a ping answer ends after the handshake');

  const none = Buffer.concat(
    encodeResponse(
      { match: 'NONE', serverProtocol: FLUME_PROTOCOL.text, serverHash: FLUME_PROTOCOL.hash, meta: null },
      { error: true, value: APPEND.errors.toBuffer('unknown client protocol hash') },
    ),
  );
  t.same(decodeResponseHead(none, true).hasCall, false, 'the body after NONE is not a call response');
});

t.test('malformed calls are ProtocolErrors', async (t) => {
  t.throws(() => decodeResponseHead(Buffer.alloc(0), false), {
    name: 'ProtocolError',
    message: /ends before its call metadata/,
  });
  t.throws(() => decodeRequestHead(Buffer.from([0x00, 0x0c, 0x61]), false), {
    name: 'ProtocolError',
    message: /message name/,
  });
  t.throws(() => decodeRequestHead(Buffer.from([0x03]), false), ProtocolError, 'a map block size cut short');
  const status = APPEND.response.toBuffer('OK');
  t.throws(() => decodeValue(APPEND.response, Buffer.concat([status, Buffer.from([1, 2])]), 0, 'append response'), {
    name: 'ProtocolError',
    message: /2 unexpected bytes after append response/,
  });
  t.throws(() => decodeValue(APPEND.request, Buffer.from([0x02, 0x08]), 0, 'append parameters'), {
    name: 'ProtocolError',
    message: /append parameters/,
  });
});

t.test('request heads read the same with and without metadata, for any message name', async (t) => {
  const STRING = avro.Type.forSchema('string');
  const META = avro.Type.forSchema({ type: 'map', values: 'bytes' });
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.uint8Array({ maxLength: 8 }), (name, params) => {
      const plain = Buffer.concat([META.toBuffer({}), STRING.toBuffer(name), params]);
      const withMeta = Buffer.concat([META.toBuffer({ trace: Buffer.from('x') }), STRING.toBuffer(name), params]);
      const a = decodeRequestHead(plain, false);
      const b = decodeRequestHead(withMeta, false);
      return (
        a.messageName === name &&
        b.messageName === name &&
        a.paramsOffset === plain.length - params.length &&
        b.paramsOffset === withMeta.length - params.length
      );
    }),
    { numRuns: 500 },
  );
  // Cut short after the name's length: the general path names the problem.
  t.throws(() => decodeRequestHead(Buffer.from([0x00, 0x16, 0x61, 0x70]), false), {
    name: 'ProtocolError',
    message: /message name/,
  });
  t.pass('500 names, plain and with metadata');
});
