/**
 * The zlib layer on its own, over real sockets: back-pressure both ways (a peer that stops reading
 * holds our writes; a reader that stops reading pauses the socket), write callbacks only once zlib
 * has taken the bytes, and errors that name the cause.
 */
import t from 'tap';
import net from 'node:net';
import zlib from 'node:zlib';
import { ZlibLayer } from '@flume-rpc/netty-compat';
import { LOOPBACK, SLACK_MS, startRawServer, within } from '../fixtures/index.js';

async function connected(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: LOOPBACK, port });
  await within(new Promise((resolve) => socket.once('connect', resolve)), SLACK_MS, 'connect');
  return socket;
}

t.test('a peer that stops reading: write() reports back-pressure and what is held stays bounded', async (t) => {
  const raw = await startRawServer(t, (socket) => socket.pause());
  const socket = await connected(raw.port);
  const layer = new ZlibLayer(socket, 1);
  t.teardown(() => layer.destroy());
  layer.on('error', () => undefined);
  // Random bytes do not compress, so the socket's buffers fill as fast as we write.
  const chunk = Buffer.from(Array.from({ length: 64 * 1024 }, () => Math.floor(Math.random() * 256)));
  let written = 0;
  let stalled = false;
  const deadline = Date.now() + 5000;
  while (!stalled && Date.now() < deadline && written < 256 * 1024 * 1024) {
    written += chunk.length;
    if (layer.write(chunk)) continue;
    // Honour back-pressure as the transceiver does: wait for 'drain', which never comes once the peer's window is full.
    stalled = !(await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 500);
      layer.once('drain', () => {
        clearTimeout(timer);
        resolve(true);
      });
    }));
  }
  t.ok(stalled, `writes stall once the peer's window is full (after ${written} bytes)`);
  const held = layer.writableLength + socket.writableLength;
  t.ok(held < 16 * 1024 * 1024, `bytes held in our buffers stay bounded (${held})`);
});

t.test('a write callback fires once zlib consumed the chunk, so the buffer may be reused then', async (t) => {
  const received: Buffer[] = [];
  const raw = await startRawServer(t, (socket) => socket.on('data', (chunk: Buffer) => received.push(chunk)));
  const socket = await connected(raw.port);
  const layer = new ZlibLayer(socket, 6);
  t.teardown(() => layer.destroy());
  const buffer = Buffer.from('frame one|');
  await within(
    new Promise<void>((resolve, reject) => layer.write(buffer, (err) => (err ? reject(err) : resolve()))),
    SLACK_MS,
    'write callback',
  );
  buffer.write('XXXXXXXXXX'); // reused at once, as the transceiver's buffer pool does
  layer.write(Buffer.from('frame two'));
  await within(
    (async () => {
      while (
        !zlib
          .inflateSync(Buffer.concat(received), { finishFlush: zlib.constants.Z_SYNC_FLUSH })
          .toString()
          .endsWith('two')
      ) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })(),
    SLACK_MS,
    'both writes to arrive',
  ).catch(() => undefined);
  t.equal(
    zlib.inflateSync(Buffer.concat(received), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString(),
    'frame one|frame two',
    'the first write was not touched by the reuse',
  );
});

t.test('a reader that stops reading pauses the socket below', async (t) => {
  // Incompressible, so the compressed stream is as large as the plain one and backs up in the socket.
  const plain = Buffer.from(Array.from({ length: 4 * 1024 * 1024 }, () => Math.floor(Math.random() * 256)));
  const raw = await startRawServer(t, (socket) => socket.end(zlib.deflateSync(plain)));
  const socket = await connected(raw.port);
  const layer = new ZlibLayer(socket, 6);
  t.teardown(() => layer.destroy());
  let got = 0;
  let pausedOnce = false;
  layer.on('data', (chunk: Buffer) => {
    got += chunk.length;
    if (got > 64 * 1024 && !pausedOnce) {
      pausedOnce = true;
      layer.pause();
    }
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.ok(layer.isPaused(), 'the reader paused');
  t.ok(socket.isPaused(), 'and so did the socket below: the rest waits in the kernel');
  t.ok(layer.readableLength < 4 * 1024 * 1024, `inflated bytes waiting stay bounded (${layer.readableLength})`);
  layer.resume();
  await within(new Promise((resolve) => layer.once('end', resolve)), SLACK_MS * 2, 'the rest to arrive');
  t.equal(got, plain.length, 'every byte arrives once resumed');
});

t.test('bytes that are not a zlib stream: an error naming zlib', async (t) => {
  const raw = await startRawServer(t, (socket) => socket.write(Buffer.from('plain frames, not zlib')));
  const socket = await connected(raw.port);
  const layer = new ZlibLayer(socket, 6);
  const error = await within(new Promise<Error>((resolve) => layer.once('error', resolve)), SLACK_MS, 'error');
  t.match(error.message, /not a zlib stream/);
  t.ok(socket.destroyed, 'the socket is released');
});
