/**
 * Interop with a peer we did not write: avsc 5.7's Avro IPC (handshake, framing, calls) over
 * Node's TLS, over a zlib stream, and over both, as a server for our client and as a client of
 * our server. The zlib layer around avsc is ours; the compression format itself is checked
 * against the Java recordings in deflate-vectors.test.ts.
 */
import t, { type Test } from 'tap';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import avro from 'avsc';
import { ZlibLayer } from '@flume-rpc/netty-compat';
import { EventBuilder } from '@flume-rpc/rpc-client';
import { javaProtocolText } from '../fixtures/vectors.js';
import { LOOPBACK, SLACK_MS, startRawServer, within } from '../fixtures/index.js';
import { clientFor, makeCertificates, propsFor, startServer } from './helpers.js';

const certs = await makeCertificates();
const protocol = JSON.parse(javaProtocolText()) as object;
const TRUST = { ssl: 'true', truststore: certs.truststorePem, 'truststore-type': 'PEM' };

type Stack = 'tls' | 'deflate' | 'tls+deflate';
const CLIENT_PROPS: Record<Stack, Record<string, string>> = {
  tls: TRUST,
  deflate: { 'compression-type': 'deflate' },
  'tls+deflate': { ...TRUST, 'compression-type': 'deflate' },
};

/** Wraps an accepted (server) or connected (client) socket in the stack, zlib outside TLS as Flume 1.10 does. */
function wrap(socket: net.Socket, stack: Stack, isServer: boolean): Duplex {
  const inner: Duplex = stack === 'tls' ? socket : new ZlibLayer(socket, 6);
  if (stack === 'deflate') return inner;
  return isServer
    ? new tls.TLSSocket(inner, {
        isServer: true,
        secureContext: tls.createSecureContext({ key: certs.server.key, cert: certs.server.cert }),
      })
    : tls.connect({ socket: inner, ca: certs.ca.cert, servername: 'localhost' });
}

async function avscServer(t: Test, stack: Stack): Promise<{ port: number; batches: unknown[][] }> {
  const service = avro.Service.forProtocol(protocol);
  const server = service.createServer({ silent: true } as never);
  const batches: unknown[][] = [];
  server.onMessage('appendBatch', (req: { events: unknown[] }, cb: (err: unknown, res?: string) => void) => {
    batches.push(req.events);
    cb(null, 'OK');
  });
  const { port } = await startRawServer(t, (socket) => {
    const stream = wrap(socket, stack, true);
    stream.on('error', () => undefined);
    server.createChannel(stream);
  });
  return { port, batches };
}

for (const stack of ['tls', 'deflate', 'tls+deflate'] as const) {
  t.test(`${stack}: our client -> avsc server`, async (t) => {
    const avsc = await avscServer(t, stack);
    const client = clientFor(t, propsFor(avsc.port, CLIENT_PROPS[stack]));
    const events = Array.from({ length: 20 }, (_, i) => EventBuilder.withBody(`event ${i}`, { seq: String(i) }));
    await within(client.appendBatch(events), SLACK_MS * 2, 'appendBatch');
    await within(client.appendBatch(events.slice(0, 5)), SLACK_MS * 2, 'second appendBatch on the same connection');
    t.same(
      avsc.batches.map((b) => b.length),
      [20, 5],
    );
    t.equal(Buffer.from((avsc.batches[0]![7] as { body: Buffer }).body).toString(), 'event 7');
  });

  t.test(`${stack}: avsc client -> our server`, async (t) => {
    const { server, port } = await startServer(t, {
      ...(stack.includes('tls') ? { tls: { key: certs.server.key, cert: certs.server.cert } } : {}),
      ...(stack.includes('deflate') ? { compressionLevel: 6 } : {}),
      handlers: { appendBatch: () => 'OK' },
    });
    const socket = net.connect({ host: LOOPBACK, port });
    socket.on('error', () => undefined);
    const transport = wrap(socket, stack, false);
    transport.on('error', () => undefined);
    const client = avro.Service.forProtocol(protocol).createClient({ buffering: true, transport });
    client.on('error', () => undefined);
    t.teardown(() => {
      client.destroyChannels({ noWait: true });
      socket.destroy();
    });
    const call = (events: unknown[]) =>
      within(
        new Promise<unknown>((resolve, reject) => {
          client.emitMessage('appendBatch', { events }, { timeout: SLACK_MS }, (err: unknown, res: unknown) =>
            err ? reject(err instanceof Error ? err : new Error(String(err), { cause: err })) : resolve(res),
          );
        }),
        SLACK_MS * 2,
        'avsc appendBatch',
      );
    const events = Array.from({ length: 30 }, (_, i) => ({ headers: { seq: String(i) }, body: Buffer.from(`e${i}`) }));
    t.equal(await call(events), 'OK');
    t.equal(await call(events.slice(0, 3)), 'OK');
    t.equal(server.stats.eventsAcknowledged, 33);
  });
}
