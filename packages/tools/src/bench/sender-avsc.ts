import net from 'node:net';
import type { Duplex } from 'node:stream';
import avro from 'avsc';
import { FLUME_PROTOCOL_TEXT, asError } from '@flume-rpc/netty-compat';
import type { Sender } from './closed-loop.js';
import type { Workload } from './workload.js';

/**
 * The peer we compare with: avsc 5.7.9's services client over a stateful channel, which frames
 * with Netty framing like Avro Java's NettyTransceiver. Set up as its docs and the reference
 * figures in ../shared/README.md have it: buffering on, TCP_NODELAY on.
 */
export async function openAvscSender(
  port: number,
  workload: Workload,
  wrap: (socket: net.Socket) => Duplex = (socket) => socket,
  timeoutMs = 10_000,
): Promise<Sender> {
  const service = avro.Service.forProtocol(JSON.parse(FLUME_PROTOCOL_TEXT));
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  let socketError: Error | null = null;
  socket.on('error', (err) => {
    socketError = err;
  });
  const transport = wrap(socket);
  if (transport !== socket) transport.on('error', (err) => (socketError ??= err));
  const client = service.createClient({ buffering: true, transport, timeout: timeoutMs });
  client.on('error', (err: Error) => {
    socketError ??= err;
  });
  const request = { events: workload.events };
  const send = (done: (error: Error | null) => void): void => {
    client.emitMessage('appendBatch', request, undefined, (err: unknown, status: unknown) => {
      if (err) done(socketError ?? asError(err));
      else done(status === 'OK' ? null : new Error(`appendBatch answered ${String(status)}`));
    });
  };
  const close = async (): Promise<void> => {
    client.destroyChannels({ noWait: true });
    transport.destroy();
    socket.destroy();
  };
  // One call first: avsc connects, pings and completes its handshake (bounded by `timeoutMs`).
  try {
    await new Promise<void>((resolve, reject) => send((err) => (err ? reject(err) : resolve())));
  } catch (err) {
    await close();
    throw err;
  }
  return { setupRequests: 1, send, close };
}
