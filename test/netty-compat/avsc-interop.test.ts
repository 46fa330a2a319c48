/**
 * Interop with avsc 5.7 services over real sockets (stateful channels use Netty framing): our
 * Transceiver against an avsc server, an avsc client against our AvroSourceServer, with the
 * same protocol text and with texts whose hashes differ (every handshake path).
 */
import t, { type Test } from 'tap';
import net from 'node:net';
import avro from 'avsc';
import {
  type AvroFlumeEvent,
  FLUME_PROTOCOL_MD5,
  type HandshakeMatch,
  type ProtocolCache,
  Transceiver,
} from '@flume-rpc/netty-compat';
import { appendEvent, batchEvents, javaProtocolText, plainEvents } from '../fixtures/vectors.js';
import {
  LOOPBACK,
  SLACK_MS,
  freshCache,
  openTransceiver,
  startAvroSource,
  startRawServer,
  within,
} from '../fixtures/index.js';

/** An Avro protocol declaration, as JSON. */
interface ProtocolJson {
  protocol: string;
  namespace?: string;
  doc?: string;
  types: unknown[];
  messages: Record<string, unknown>;
}

/** An AvroFlumeEvent as avsc decodes it (under the divergent schema it has a `priority` too). */
interface AvscEvent {
  headers: Record<string, string>;
  body: Buffer;
  priority?: number;
}

/** What avsc's channels pass to their 'handshake' listeners (request, response); only the response's match is read. */
type HandshakeListener = (request: unknown, response: { match: HandshakeMatch }) => void;

/** The AvroSourceProtocol object exactly as the Java build's text has it. */
function javaProtocol(): ProtocolJson {
  return JSON.parse(javaProtocolText()) as ProtocolJson;
}

/** The same protocol without its doc: identical types, another text, another hash. */
function protocolWithoutDoc(): ProtocolJson {
  const p = javaProtocol();
  delete p.doc;
  return p;
}

/**
 * A protocol that needs schema resolution both ways: Status symbols in another order, an extra
 * event field with a default, and (for a server) an extra message. An avsc client refuses a
 * server lacking one of its messages, so clients use it without the extra message.
 */
function divergentProtocol({ extraMessage = true } = {}): ProtocolJson {
  const p = protocolWithoutDoc();
  p.types = [
    { type: 'enum', name: 'Status', symbols: ['UNKNOWN', 'FAILED', 'OK'] },
    {
      type: 'record',
      name: 'AvroFlumeEvent',
      fields: [
        { name: 'headers', type: { type: 'map', values: 'string' } },
        { name: 'body', type: 'bytes' },
        { name: 'priority', type: 'int', default: 5 },
      ],
    },
  ];
  if (extraMessage) p.messages = { ...p.messages, count: { request: [], response: 'long' } };
  return p;
}

interface AvscServer {
  port: number;
  service: avro.Service;
  seen: { append: AvscEvent[]; appendBatch: AvscEvent[][] };
  /** Handshake matches the avsc server answered, per connection in order. */
  answered: HandshakeMatch[];
}

/** An avsc stateful server for `protocol` on 127.0.0.1, answering `status(event)` (default OK). */
async function startAvscServer(
  t: Test,
  protocol: object,
  status: (event: AvscEvent) => string = () => 'OK',
): Promise<AvscServer> {
  const service = avro.Service.forProtocol(protocol);
  // `silent` (no logging of channel errors) is an avsc server option its type declarations lack.
  const server = service.createServer({ silent: true } as Partial<avro.Service.ServerOptions>);
  const seen: AvscServer['seen'] = { append: [], appendBatch: [] };
  const answered: HandshakeMatch[] = [];
  server.onMessage('append', (req: { event: AvscEvent }, cb: (err: unknown, res?: string) => void) => {
    seen.append.push(req.event);
    cb(null, status(req.event));
  });
  server.onMessage('appendBatch', (req: { events: AvscEvent[] }, cb: (err: unknown, res?: string) => void) => {
    seen.appendBatch.push(req.events);
    cb(null, 'OK');
  });
  server.on('channel', (channel: avro.Service.ServerChannel) => {
    channel.on('handshake', ((_hreq, hres) => answered.push(hres.match)) satisfies HandshakeListener);
  });
  const raw = await startRawServer(t, (socket) => {
    server.createChannel(socket);
  });
  return { port: raw.port, service, seen, answered };
}

/** A Transceiver recording its handshake matches. */
function recordedTransceiver(t: Test, port: number, cache: ProtocolCache = freshCache()) {
  const transceiver = openTransceiver(t, port, { protocolCache: cache });
  const matches: HandshakeMatch[] = [];
  transceiver.on('handshake', (match) => matches.push(match));
  return { transceiver, matches };
}

t.test(
  'our Transceiver -> avsc server with the Java protocol text: BOTH at once, append and appendBatch OK',
  async (t) => {
    const avsc = await startAvscServer(t, javaProtocol());
    t.equal(avsc.service.hash.toString('hex'), FLUME_PROTOCOL_MD5, 'avsc hashes the same text to the same MD5');
    const { transceiver, matches } = recordedTransceiver(t, avsc.port);
    t.equal(await within(transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK');
    t.equal(await within(transceiver.appendBatch(batchEvents()), SLACK_MS, 'appendBatch'), 'OK');
    t.same(matches, ['BOTH']);
    t.same(avsc.answered, ['BOTH']);
    t.same(plainEvents(avsc.seen.append), plainEvents([appendEvent()]));
    t.same(avsc.seen.appendBatch.map(plainEvents), [plainEvents(batchEvents())]);
  },
);

t.test(
  'our Transceiver -> avsc server with another protocol text: NONE, then BOTH; later connections skip NONE',
  async (t) => {
    const avsc = await startAvscServer(t, protocolWithoutDoc());
    t.not(avsc.service.hash.toString('hex'), FLUME_PROTOCOL_MD5, 'the server hash differs from ours');
    const cache = freshCache();
    const address = `${LOOPBACK}:${avsc.port}`;

    const first = recordedTransceiver(t, avsc.port, cache);
    t.equal(await within(first.transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK');
    t.equal(await within(first.transceiver.appendBatch(batchEvents()), SLACK_MS, 'appendBatch'), 'OK');
    t.same(first.matches, ['NONE', 'BOTH'], 'unknown to the server: NONE, then our text makes it BOTH');
    t.equal(
      cache.serverHashFor(address).toString('hex'),
      avsc.service.hash.toString('hex'),
      'the server hash is remembered',
    );
    t.same(plainEvents(avsc.seen.append), plainEvents([appendEvent()]), 'the call carried by the handshake ran once');
    t.same(avsc.seen.appendBatch.map(plainEvents), [plainEvents(batchEvents())]);

    // Same cache: we guess the server's hash and it knows ours now.
    const second = recordedTransceiver(t, avsc.port, cache);
    t.equal(await within(second.transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK');
    t.same(second.matches, ['BOTH'], 'a second connection with the shared cache gets BOTH on the first try');

    // A fresh cache guesses our own hash: the server knows our protocol, so CLIENT on the first try.
    const third = recordedTransceiver(t, avsc.port, freshCache());
    t.equal(await within(third.transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK');
    t.same(third.matches, ['CLIENT'], 'first try answered CLIENT, no NONE');
    t.same(avsc.answered, ['NONE', 'BOTH', 'BOTH', 'CLIENT']);
    t.equal(avsc.seen.append.length, 3);
  },
);

t.test('the process-wide default cache is shared by Transceivers built without one', async (t) => {
  const avsc = await startAvscServer(t, protocolWithoutDoc());
  const open = () => {
    const transceiver = new Transceiver({
      host: LOOPBACK,
      port: avsc.port,
      connectTimeoutMs: SLACK_MS,
      handshakeTimeoutMs: SLACK_MS,
      requestTimeoutMs: SLACK_MS,
    });
    t.teardown(() => transceiver.close());
    const matches: HandshakeMatch[] = [];
    transceiver.on('handshake', (m) => matches.push(m));
    return { transceiver, matches };
  };
  const a = open();
  await within(a.transceiver.ready(), SLACK_MS, 'first handshake');
  const b = open();
  await within(b.transceiver.ready(), SLACK_MS, 'second handshake');
  t.same(a.matches, ['NONE', 'BOTH']);
  t.same(b.matches, ['BOTH'], 'the second learnt nothing new: no NONE');
});

t.test('schema resolution against an avsc server with a divergent protocol', async (t) => {
  // Status symbols reordered: reading the server's 'OK' (index 2 there) as index 2 of ours would
  // give 'UNKNOWN'; only resolution by name gives back what the server meant.
  const avsc = await startAvscServer(t, divergentProtocol(), (event) =>
    String(event.body) === 'fail me' ? 'FAILED' : 'OK',
  );
  const { transceiver, matches } = recordedTransceiver(t, avsc.port);
  t.equal(await within(transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK');
  t.equal(
    await within(transceiver.append({ headers: {}, body: Buffer.from('fail me') }), SLACK_MS, 'append'),
    'FAILED',
  );
  t.equal(await within(transceiver.appendBatch(batchEvents()), SLACK_MS, 'appendBatch'), 'OK');
  t.same(matches, ['NONE', 'BOTH']);
  t.equal(avsc.seen.append[0]?.priority, 5, 'the server filled its extra field from the default (it had our schema)');
  t.same(plainEvents(avsc.seen.appendBatch[0]!), plainEvents(batchEvents()));
});

interface AvscClient {
  call(name: string, request: Record<string, unknown>): Promise<unknown>;
  /** Handshake matches the client received, in order. */
  matches: HandshakeMatch[];
}

/** An avsc client for `protocol` over a fresh socket to 127.0.0.1:port, destroyed in teardown. */
function avscClient(t: Test, protocol: object, port: number): AvscClient {
  const service = avro.Service.forProtocol(protocol);
  const socket = net.connect({ host: LOOPBACK, port });
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  const client = service.createClient({ buffering: true, transport: socket });
  const matches: HandshakeMatch[] = [];
  client.on('channel', (channel: avro.Service.ClientChannel) => {
    channel.on('handshake', ((_hreq, hres) => matches.push(hres.match)) satisfies HandshakeListener);
  });
  client.on('error', () => undefined);
  t.teardown(() => {
    client.destroyChannels({ noWait: true });
    socket.destroy();
  });
  const call = (name: string, request: Record<string, unknown>) =>
    within(
      new Promise<unknown>((resolve, reject) => {
        client.emitMessage(name, request, { timeout: SLACK_MS }, (err: unknown, res: unknown) =>
          err ? reject(err instanceof Error ? err : new Error(String(err), { cause: err })) : resolve(res),
        );
      }),
      SLACK_MS * 2,
      `avsc ${name}`,
    );
  return { call, matches };
}

async function recordingServer(t: Test, status: (event: AvroFlumeEvent) => 'OK' | 'FAILED' = () => 'OK') {
  const seen = { append: [] as AvroFlumeEvent[], appendBatch: [] as AvroFlumeEvent[][], errors: [] as Error[] };
  const server = await startAvroSource(t, {
    handlers: {
      append: (event) => {
        seen.append.push(event);
        return status(event);
      },
      appendBatch: (events) => {
        seen.appendBatch.push(events);
        return 'OK';
      },
    },
  });
  server.on('connectionError', (error) => seen.errors.push(error));
  return { server, seen };
}

t.test(
  'avsc client with the Java protocol text -> our AvroSourceServer: BOTH, append and appendBatch OK',
  async (t) => {
    const { server, seen } = await recordingServer(t);
    const client = avscClient(t, javaProtocol(), server.port);
    t.equal(await client.call('append', { event: appendEvent() }), 'OK');
    t.equal(await client.call('appendBatch', { events: batchEvents() }), 'OK');
    t.same(client.matches, ['BOTH']);
    t.same(plainEvents(seen.append), plainEvents([appendEvent()]));
    t.same(seen.appendBatch.map(plainEvents), [plainEvents(batchEvents())]);
    t.same(seen.errors, []);
    t.equal(server.stats.eventsAcknowledged, 4);
  },
);

t.test('avsc client with another protocol text -> our server answers NONE first, then completes', async (t) => {
  const { server, seen } = await recordingServer(t);
  const client = avscClient(t, protocolWithoutDoc(), server.port);
  t.equal(await client.call('append', { event: appendEvent() }), 'OK');
  t.equal(await client.call('appendBatch', { events: batchEvents() }), 'OK');
  t.same(client.matches, ['NONE', 'BOTH'], 'our server did not know the avsc hash, then learnt the text');
  t.same(plainEvents(seen.append), plainEvents([appendEvent()]));
  t.same(seen.appendBatch.map(plainEvents), [plainEvents(batchEvents())]);
  t.same(seen.errors, []);

  // The server remembers the protocol: a new avsc client (which guesses its own hash for the
  // server) gets CLIENT on the first try, no NONE.
  const again = avscClient(t, protocolWithoutDoc(), server.port);
  t.equal(await again.call('append', { event: appendEvent() }), 'OK');
  t.same(again.matches, ['CLIENT']);
});

t.test(
  'avsc client with a divergent protocol -> our server resolves its events and it resolves our statuses',
  async (t) => {
    const { server, seen } = await recordingServer(t, (event) =>
      event.body.toString() === 'fail me' ? 'FAILED' : 'OK',
    );
    const client = avscClient(t, divergentProtocol({ extraMessage: false }), server.port);
    t.equal(await client.call('append', { event: { ...appendEvent(), priority: 9 } }), 'OK');
    t.equal(
      await client.call('append', { event: { headers: {}, body: Buffer.from('fail me'), priority: 1 } }),
      'FAILED',
    );
    t.equal(await client.call('appendBatch', { events: batchEvents().map((e) => ({ ...e, priority: 1 })) }), 'OK');
    t.same(client.matches, ['NONE', 'BOTH']);
    t.same(
      plainEvents(seen.append.slice(0, 1)),
      plainEvents([appendEvent()]),
      'the extra field is skipped, headers and body intact',
    );
    t.notOk('priority' in seen.append[0]!, 'our handler sees our record shape');
    t.same(seen.appendBatch.map(plainEvents), [plainEvents(batchEvents())]);
    t.same(seen.errors, []);
  },
);
