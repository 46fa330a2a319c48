/**
 * compression-type = deflate alone and together with ssl, in both of Flume's layer orders, over
 * real sockets: delivery and pipelining, what crosses the wire, mismatches that fail fast with an
 * error that says what differs, and zlib bombs that meet the frame limits while they inflate.
 */
import t from 'tap';
import zlib from 'node:zlib';
import { ConnectionClosedError, NettyAvroRpcClient, ProtocolError, TlsError } from '@flume-rpc/rpc-client';
import { type AvroSourceServerOptions, FrameDecoder, encodeFrame } from '@flume-rpc/netty-compat';
import { LOOPBACK, RawClient, SLACK_MS, startRawServer, until, within } from '../fixtures/index.js';
import {
  clientFor,
  events,
  makeCertificates,
  propsFor,
  rejection,
  startRecordingProxy,
  startServer,
} from './helpers.js';

const certs = await makeCertificates();
const TRUST = { ssl: 'true', truststore: certs.truststorePem, 'truststore-type': 'PEM' };
const SERVER_TLS = { key: certs.server.key, cert: certs.server.cert };

/** Server options and client properties for one setting of the stack. */
const SETTINGS: Record<string, { server: AvroSourceServerOptions; client: Record<string, string> }> = {
  tls: { server: { tls: SERVER_TLS }, client: TRUST },
  deflate: { server: { compressionLevel: 6 }, client: { 'compression-type': 'deflate' } },
  'ssl + deflate (Flume 1.10+: zlib outside)': {
    server: { tls: SERVER_TLS, compressionLevel: 6 },
    client: { ...TRUST, 'compression-type': 'deflate' },
  },
  'ssl + deflate (Flume 1.9: TLS outside)': {
    server: { tls: SERVER_TLS, compressionLevel: 6, layerOrder: 'tls-outside' },
    client: { ...TRUST, 'compression-type': 'deflate', 'wire-layer-order': 'tls-outside' },
  },
};

for (const [name, setting] of Object.entries(SETTINGS)) {
  t.test(`${name}: append, appendBatch and 8 calls pipelined, every event acknowledged`, async (t) => {
    const { server, port } = await startServer(t, {
      ...setting.server,
      handlers: { appendBatch: () => 'OK', append: () => 'OK' },
    });
    const client = clientFor(t, propsFor(port, { ...setting.client, 'max-inflight': '8', 'batch-size': '50' }));
    await within(client.append(events(1)[0]!), SLACK_MS * 2, 'append');
    await within(
      Promise.all(Array.from({ length: 40 }, (_, i) => client.appendBatch(events(50, `b${i}`)))),
      SLACK_MS * 5,
      '40 batches pipelined',
    );
    t.equal(server.stats.eventsAcknowledged, 1 + 40 * 50);
  });
}

t.test(
  'what crosses the wire: zlib(TLS(frames)) by default, TLS(zlib(frames)) with wire-layer-order = tls-outside',
  async (t) => {
    for (const [name, expectZlibFirst] of [
      ['ssl + deflate (Flume 1.10+: zlib outside)', true],
      ['ssl + deflate (Flume 1.9: TLS outside)', false],
    ] as const) {
      const setting = SETTINGS[name]!;
      const { port } = await startServer(t, setting.server);
      const proxy = await startRecordingProxy(t, port);
      const client = clientFor(t, propsFor(proxy.port, setting.client));
      await within(client.appendBatch(events(5)), SLACK_MS * 2, `appendBatch, ${name}`);
      const sent = Buffer.concat(proxy.upstream[0]!);
      if (expectZlibFirst) {
        t.equal(sent.subarray(0, 2).toString('hex'), '789c', `${name}: a zlib stream on the socket`);
        const inside = zlib.inflateSync(sent, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
        t.same([inside[0], inside[1]], [0x16, 0x03], `${name}: carrying TLS records`);
      } else {
        t.same([sent[0], sent[1]], [0x16, 0x03], `${name}: TLS records on the socket`);
      }
    }
  },
);

t.test('compression-type differs: each side fails at once with an error that says so', async (t) => {
  const plain = await startServer(t, {});
  const deflating = clientFor(t, propsFor(plain.port, { 'compression-type': 'deflate', 'handshake-timeout': '10000' }));
  const started = Date.now();
  const first = await rejection(deflating.appendBatch(events(1)), 'deflate client to a plain agent');
  t.type(first, ConnectionClosedError);
  t.match(first.message, /compression-type/);
  t.ok(Date.now() - started < 8000, 'not a wait for the handshake timeout');
  await until(() => plain.errors.length > 0, 'the plain server to report');
  t.match(plain.errors[0]!.message, /zlib stream: compression-type settings differ/);

  const compressing = await startServer(t, { compressionLevel: 6 });
  const plainClient = clientFor(t, propsFor(compressing.port, { 'handshake-timeout': '10000' }));
  const second = await rejection(plainClient.appendBatch(events(1)), 'plain client to a deflate agent');
  t.type(second, ConnectionClosedError);
  t.match(second.message, /compression-type/);
  await until(() => compressing.errors.length > 0, 'the deflate server to report');
  t.match(compressing.errors[0]!.message, /not a zlib stream/);
  t.equal(plain.server.stats.callsAnswered + compressing.server.stats.callsAnswered, 0);
});

t.test(
  'a client expecting deflate from a server that answers plain frames: a ProtocolError naming compression',
  async (t) => {
    // A peer that reads anything and answers with a plain Netty frame.
    const raw = await startRawServer(t, (socket) =>
      socket.once('data', () => socket.write(Buffer.concat(encodeFrame(1, [Buffer.from([0, 0, 0])])))),
    );
    const client = clientFor(t, propsFor(raw.port, { 'compression-type': 'deflate' }));
    const error = await rejection(client.appendBatch(events(1)), 'appendBatch');
    t.type(error, ProtocolError);
    t.match(error.message, /not a zlib stream.*compression-type must match/);
  },
);

t.test('the two layer orders cannot talk: fails fast, and the error says to check wire-layer-order', async (t) => {
  const newer = SETTINGS['ssl + deflate (Flume 1.10+: zlib outside)']!;
  const older = SETTINGS['ssl + deflate (Flume 1.9: TLS outside)']!;
  for (const [server, client, what] of [
    [older.server, newer.client, 'a 1.10-order client to a 1.9-order agent'],
    [newer.server, older.client, 'a 1.9-order client to a 1.10-order agent'],
  ] as const) {
    const started = await startServer(t, server);
    const rpc = clientFor(t, propsFor(started.port, { ...client, 'connect-timeout': '10000' }));
    const began = Date.now();
    const error = await rejection(rpc.appendBatch(events(1)), what);
    t.type(error, TlsError, what);
    t.match(error.message, /wire-layer-order/, `${what}: ${error.message}`);
    t.ok(Date.now() - began < 8000, `${what}: before the connect timeout`);
    t.equal(started.server.stats.callsAnswered, 0);
  }
});

/** A zlib stream (sync-flushed, not finished) whose content is `plain`. */
function zlibStream(plain: Buffer): Buffer {
  return zlib.deflateSync(plain, { finishFlush: zlib.constants.Z_SYNC_FLUSH, level: 9 });
}

/** The head of a frame with one buffer declared `length` bytes long. */
function frameHead(length: number): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt32BE(1, 0);
  head.writeUInt32BE(1, 4);
  head.writeUInt32BE(length, 8);
  return head;
}

t.test(
  'a zlib bomb to the server meets the frame limits while it inflates: ProtocolError, memory bounded',
  async (t) => {
    const limit = 1024 * 1024;
    const { server, errors } = await startServer(t, {
      compressionLevel: 6,
      limits: { maxBufferBytes: limit, maxFrameBytes: limit },
    });
    // 64 MiB of zeros after a head declaring 48 MiB: about 64 KiB on the wire.
    const bomb = zlibStream(Buffer.concat([frameHead(48 * 1024 * 1024), Buffer.alloc(64 * 1024 * 1024)]));
    t.ok(bomb.length < 200_000, `the bomb is small on the wire (${bomb.length} bytes)`);
    const before = process.memoryUsage().arrayBuffers;
    const client = await RawClient.connect(t, server.port);
    client.write(bomb);
    const { closed } = await client.collect(() => false, SLACK_MS).catch(() => ({ closed: client.closed }));
    t.ok(closed || client.closed, 'the server closed the connection');
    t.type(errors[0], ProtocolError);
    t.match(errors[0]!.message, /declares a buffer of 50331648 bytes; allowed 0 to 1048576/);
    t.ok(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024, 'the server never held the inflated bytes');

    // Within the limits, the same trick is only a large, valid frame: it is read, bounded by the limits.
    const ok = await startServer(t, { compressionLevel: 6 });
    const fine = await RawClient.connect(t, ok.port);
    fine.write(zlibStream(Buffer.concat([frameHead(10), Buffer.alloc(10)])));
    await fine.collect(() => false, 300).catch(() => undefined);
    t.type(ok.errors[0], ProtocolError, 'garbage inside a valid stream is still a ProtocolError');
    t.notMatch(ok.errors[0]!.message, /zlib/, 'and not blamed on compression');
  },
);

t.test('a zlib bomb from a server: the client fails with a ProtocolError, no hang, no growth', async (t) => {
  const bomb = zlibStream(Buffer.concat([frameHead(1024 * 1024 * 1024), Buffer.alloc(32 * 1024 * 1024)]));
  const raw = await startRawServer(t, (socket) => socket.once('data', () => socket.write(bomb)));
  const client = new NettyAvroRpcClient({ host: LOOPBACK, port: raw.port, compressionType: 'deflate', maxRetries: 0 });
  t.teardown(() => client.close());
  const error = await rejection(client.append(events(1)[0]!), 'append');
  t.type(error, ProtocolError);
  t.match(error.message, /declares a buffer of 1073741824 bytes/, error.message);
});

t.test('the Netty frame decoder sees the same bytes through the zlib layer as without it', async (t) => {
  // A frame split across many tiny compressed writes still decodes as one.
  const { server, port } = await startServer(t, { compressionLevel: 1 });
  const client = clientFor(t, propsFor(port, { 'compression-type': 'deflate', 'compression-level': '0' }));
  await within(client.appendBatch(events(300)), SLACK_MS * 2, 'level 0 (stored blocks) against level 1');
  t.equal(server.stats.eventsAcknowledged, 300);
  t.ok(new FrameDecoder(), 'decoder available');
});
