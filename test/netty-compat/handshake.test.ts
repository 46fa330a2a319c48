/**
 * The Avro handshake: its records (checked against the Java bytes), both halves of the
 * negotiation (client: guess, resend with text on NONE; server: BOTH / CLIENT / NONE as Avro
 * Java's Responder answers), and the protocol cache they share.
 */
import t from 'tap';
import {
  ClientHandshake,
  FLUME_PROTOCOL,
  FLUME_PROTOCOL_TEXT,
  HandshakeError,
  type HandshakeRequest,
  type HandshakeResponse,
  ProtocolCache,
  ProtocolError,
  answerHandshake,
  decodeHandshakeRequest,
  decodeHandshakeResponse,
  encodeHandshakeRequest,
  encodeHandshakeResponse,
  md5,
  parseProtocol,
} from '@flume-rpc/netty-compat';

const LOCAL = FLUME_PROTOCOL;
/** The same protocol in another text (another doc), so another hash. */
const OTHER_TEXT = JSON.stringify({ ...JSON.parse(FLUME_PROTOCOL_TEXT), doc: 'another build' });
const OTHER_HASH = md5(OTHER_TEXT);
const UNKNOWN_HASH = Buffer.alloc(16, 0xee);

t.test('HandshakeRequest encodes as the Java client writes it', async (t) => {
  const request: HandshakeRequest = { clientHash: LOCAL.hash, clientProtocol: null, serverHash: LOCAL.hash, meta: {} };
  const bytes = encodeHandshakeRequest(request);
  // clientHash, union index 0 (null), serverHash, union index 1 (map) + an empty map.
  t.equal(bytes.toString('hex'), LOCAL.hash.toString('hex') + '00' + LOCAL.hash.toString('hex') + '0200');
  t.same(decodeHandshakeRequest(bytes), { value: request, offset: bytes.length });
});

t.test('HandshakeRequest round trips with text, null meta and meta entries', async (t) => {
  const cases: HandshakeRequest[] = [
    { clientHash: OTHER_HASH, clientProtocol: OTHER_TEXT, serverHash: UNKNOWN_HASH, meta: null },
    {
      clientHash: LOCAL.hash,
      clientProtocol: '',
      serverHash: LOCAL.hash,
      meta: { trace: Buffer.from([1, 2, 3]), empty: Buffer.alloc(0) },
    },
  ];
  for (const request of cases) {
    const bytes = Buffer.concat([Buffer.from([9, 9]), encodeHandshakeRequest(request), Buffer.from('tail')]);
    const decoded = decodeHandshakeRequest(bytes, 2);
    t.same(decoded.value, request);
    t.equal(bytes.subarray(decoded.offset).toString(), 'tail', 'offset points just past the record');
  }
});

t.test('HandshakeResponse round trips for BOTH, CLIENT and NONE', async (t) => {
  const cases: Array<[HandshakeResponse, string | null]> = [
    [{ match: 'BOTH', serverProtocol: null, serverHash: null, meta: null }, '00000000'],
    [{ match: 'CLIENT', serverProtocol: OTHER_TEXT, serverHash: OTHER_HASH, meta: null }, null],
    [{ match: 'NONE', serverProtocol: OTHER_TEXT, serverHash: OTHER_HASH, meta: { k: Buffer.from('v') } }, null],
  ];
  for (const [response, hex] of cases) {
    const bytes = encodeHandshakeResponse(response);
    if (hex !== null) t.equal(bytes.toString('hex'), hex, `${response.match} bytes`);
    t.same(decodeHandshakeResponse(bytes).value, response, response.match);
  }
});

t.test('undecodable handshakes are ProtocolErrors naming the record', async (t) => {
  const good = encodeHandshakeRequest({
    clientHash: LOCAL.hash,
    clientProtocol: 'x',
    serverHash: LOCAL.hash,
    meta: null,
  });
  for (let cut = 0; cut < good.length; cut += 1) {
    t.throws(
      () => decodeHandshakeRequest(good.subarray(0, cut)),
      { name: 'ProtocolError', message: /handshake request/ },
      `cut at ${cut}`,
    );
  }
  t.throws(
    () => decodeHandshakeRequest(Buffer.concat([Buffer.alloc(16), Buffer.from([0x05])])),
    {
      name: 'ProtocolError',
      message: /handshake request/,
    },
    'union index -3',
  );
  t.throws(
    () => decodeHandshakeResponse(Buffer.from([0x06, 0, 0, 0])),
    { name: 'ProtocolError', message: /handshake response/ },
    'match index 3',
  );
  t.throws(() => decodeHandshakeResponse(Buffer.alloc(0)), ProtocolError, 'empty');
});

t.test('server half: BOTH, CLIENT and NONE as Avro Java answers them', async (t) => {
  const cache = new ProtocolCache(LOCAL);
  const both = answerHandshake(cache, {
    clientHash: LOCAL.hash,
    clientProtocol: null,
    serverHash: LOCAL.hash,
    meta: {},
  });
  t.same(
    both.response,
    { match: 'BOTH', serverProtocol: null, serverHash: null, meta: null },
    'known client, right guess: BOTH',
  );
  t.ok(both.remote?.identical);

  const client = answerHandshake(cache, {
    clientHash: LOCAL.hash,
    clientProtocol: null,
    serverHash: UNKNOWN_HASH,
    meta: {},
  });
  t.same(
    client.response,
    { match: 'CLIENT', serverProtocol: LOCAL.text, serverHash: LOCAL.hash, meta: null },
    'wrong guess: CLIENT with our protocol',
  );
  t.ok(client.remote);

  const none = answerHandshake(cache, {
    clientHash: OTHER_HASH,
    clientProtocol: null,
    serverHash: LOCAL.hash,
    meta: {},
  });
  t.same(
    none.response,
    { match: 'NONE', serverProtocol: LOCAL.text, serverHash: LOCAL.hash, meta: null },
    'unknown client: NONE',
  );
  t.equal(none.remote, null);

  const learnt = answerHandshake(cache, {
    clientHash: OTHER_HASH,
    clientProtocol: OTHER_TEXT,
    serverHash: LOCAL.hash,
    meta: {},
  });
  t.equal(learnt.response.match, 'BOTH', 'the text makes it known');
  t.equal(learnt.remote?.remote.text, OTHER_TEXT);
  t.notOk(learnt.remote?.identical);
  const later = answerHandshake(cache, {
    clientHash: OTHER_HASH,
    clientProtocol: null,
    serverHash: UNKNOWN_HASH,
    meta: {},
  });
  t.equal(later.response.match, 'CLIENT', 'remembered by hash afterwards');
});

t.test('server half: a client text that is not a protocol is a ProtocolError', async (t) => {
  const cache = new ProtocolCache(LOCAL);
  t.throws(
    () =>
      answerHandshake(cache, { clientHash: OTHER_HASH, clientProtocol: 'not json', serverHash: LOCAL.hash, meta: {} }),
    { name: 'ProtocolError', message: /Protocol text is not JSON/ },
  );
  t.equal(cache.get(OTHER_HASH), undefined, 'nothing learnt');
});

t.test('client half: guess, NONE, resend with text and the server hash, BOTH', async (t) => {
  const cache = new ProtocolCache(LOCAL);
  const handshake = new ClientHandshake(cache, 'srv:1');
  const first = handshake.nextRequest();
  t.same(
    first,
    { clientHash: LOCAL.hash, clientProtocol: null, serverHash: LOCAL.hash, meta: {} },
    'first: our hash as the guess, no text',
  );
  t.equal(
    handshake.accept({ match: 'NONE', serverProtocol: OTHER_TEXT, serverHash: OTHER_HASH, meta: null }),
    false,
    'NONE: resend',
  );
  const second = handshake.nextRequest();
  t.equal(second.clientProtocol, LOCAL.text, 'second: with our text');
  t.same(second.serverHash, OTHER_HASH, 'and the hash the server announced');
  t.equal(handshake.accept({ match: 'BOTH', serverProtocol: null, serverHash: null, meta: null }), true);
  t.equal(handshake.remoteProtocol?.remote.text, OTHER_TEXT, 'the server protocol is the one it announced');
  t.same(cache.serverHashFor('srv:1'), OTHER_HASH, 'remembered for this address');
  t.same(cache.serverHashFor('srv:2'), LOCAL.hash, 'not for another');

  const next = new ClientHandshake(cache, 'srv:1');
  t.same(next.nextRequest().serverHash, OTHER_HASH, 'a new connection guesses the remembered hash');
});

t.test('client half: CLIENT completes at once; BOTH on our own hash uses our protocol', async (t) => {
  const cache = new ProtocolCache(LOCAL);
  const a = new ClientHandshake(cache, 'a:1');
  a.nextRequest();
  t.equal(a.accept({ match: 'CLIENT', serverProtocol: OTHER_TEXT, serverHash: OTHER_HASH, meta: null }), true);
  t.equal(a.remoteProtocol?.remote.name, 'AvroSourceProtocol');
  t.same(a.remoteProtocol?.remote.hash, OTHER_HASH);
  const b = new ClientHandshake(cache, 'b:1');
  b.nextRequest();
  t.equal(b.accept({ match: 'BOTH', serverProtocol: null, serverHash: null, meta: null }), true);
  t.ok(b.remoteProtocol?.identical);
});

t.test('client half: answers the protocol does not allow are HandshakeErrors', async (t) => {
  const cache = new ProtocolCache(LOCAL);
  const twice = new ClientHandshake(cache, 'x:1');
  twice.nextRequest();
  twice.accept({ match: 'NONE', serverProtocol: OTHER_TEXT, serverHash: OTHER_HASH, meta: null });
  twice.nextRequest();
  t.throws(() => twice.accept({ match: 'NONE', serverProtocol: OTHER_TEXT, serverHash: OTHER_HASH, meta: null }), {
    name: 'HandshakeError',
    message: /rejected our protocol AvroSourceProtocol after 2 handshake attempts/,
  });
  const bare = new ClientHandshake(cache, 'y:1');
  bare.nextRequest();
  t.throws(
    () => bare.accept({ match: 'NONE', serverProtocol: null, serverHash: null, meta: null }),
    HandshakeError,
    'NONE without a protocol',
  );
  // BOTH although we guessed a hash whose protocol we do not have.
  const stale = new ProtocolCache(LOCAL);
  stale.rememberServer('z:1', UNKNOWN_HASH);
  const guess = new ClientHandshake(stale, 'z:1');
  t.same(guess.nextRequest().serverHash, UNKNOWN_HASH);
  t.throws(() => guess.accept({ match: 'BOTH', serverProtocol: null, serverHash: null, meta: null }), {
    name: 'HandshakeError',
    message: /matched a protocol hash we do not know/,
  });
  t.throws(
    () =>
      new ClientHandshake(cache, 'w:1').accept({
        match: 'MAYBE' as never,
        serverProtocol: OTHER_TEXT,
        serverHash: OTHER_HASH,
        meta: null,
      }),
    HandshakeError,
  );
});

t.test('protocol cache: local protocol always known, bounded, and resolving schemas by name', async (t) => {
  const cache = new ProtocolCache(LOCAL, 3);
  t.ok(cache.get(LOCAL.hash)?.identical);
  const texts = [1, 2, 3, 4].map((i) => JSON.stringify({ ...JSON.parse(FLUME_PROTOCOL_TEXT), doc: `build ${i}` }));
  for (const text of texts) cache.learn(md5(text), text);
  t.ok(cache.get(LOCAL.hash), 'the local protocol is never evicted');
  t.equal(cache.get(md5(texts[0]!)), undefined, 'the oldest learnt one is');
  t.ok(cache.get(md5(texts[3]!)), 'the newest is kept');
  t.equal(
    cache.learn(md5(texts[3]!), 'ignored: already known').remote.text,
    texts[3],
    'learning a known hash keeps the first text',
  );
  t.throws(() => cache.learn(UNKNOWN_HASH, '{"no":"protocol"}'), {
    name: 'ProtocolError',
    message: /no "protocol" name/,
  });

  for (let i = 0; i < 10; i += 1) cache.rememberServer(`h:${i}`, UNKNOWN_HASH);
  t.same(cache.serverHashFor('h:0'), LOCAL.hash, 'the oldest server address is forgotten');
  t.same(cache.serverHashFor('h:9'), UNKNOWN_HASH);

  // A remote protocol with the Status symbols in another order resolves by name.
  const reordered = JSON.parse(FLUME_PROTOCOL_TEXT);
  reordered.types[0].symbols = ['UNKNOWN', 'FAILED', 'OK'];
  const text = JSON.stringify(reordered);
  const remote = cache.learn(md5(text), text);
  const resolvers = remote.resolversFor('append');
  const written = remote.remote.messages.get('append')!.response.toBuffer('OK'); // index 2 on their side
  t.equal(LOCAL.messages.get('append')!.response.fromBuffer(written, resolvers.response), 'OK');
  t.same(cache.get(LOCAL.hash)!.resolversFor('append'), {}, 'identical protocols need no resolvers');
  t.throws(() => remote.resolversFor('nope'), {
    name: 'ProtocolError',
    message: /Message nope is not in local protocol/,
  });
});

t.test('a remote protocol with an incompatible schema is a ProtocolError on first use of the message', async (t) => {
  const broken = JSON.parse(FLUME_PROTOCOL_TEXT);
  broken.messages.append.response = 'string';
  const text = JSON.stringify(broken);
  const remote = new ProtocolCache(LOCAL).learn(md5(text), text);
  t.throws(() => remote.resolversFor('append'), {
    name: 'ProtocolError',
    message: /Message append: remote schema is incompatible/,
  });
  t.same(remote.resolversFor('appendBatch').response, undefined, 'other messages still resolve');
});

t.test('parseProtocol keeps the text and hashes it as given', async (t) => {
  t.equal(LOCAL.text, FLUME_PROTOCOL_TEXT);
  t.same(LOCAL.hash, md5(FLUME_PROTOCOL_TEXT));
  t.same([...LOCAL.messages.keys()], ['append', 'appendBatch']);
  const spaced = parseProtocol(FLUME_PROTOCOL_TEXT.replace('{', '{ '));
  t.not(spaced.hash.toString('hex'), LOCAL.hash.toString('hex'), 'one more space, another hash');
  for (const [text, message] of [
    ['nope', /not JSON/],
    ['[]', /no "protocol" name/],
    ['{"protocol":"P","messages":{"m":{"response":"null"}}}', /Message m has no request parameter list/],
    [
      '{"protocol":"P","types":[{"type":"record","name":"R","fields":[{"name":"x","type":"Nope"}]}]}',
      /Protocol P is not valid Avro/,
    ],
  ] as const) {
    t.throws(() => parseProtocol(text), { name: 'ProtocolError', message }, text);
  }
});
