import net from 'node:net';
import {
  FLUME_PROTOCOL,
  asError,
  type Frame,
  FrameDecoder,
  ProtocolError,
  decodeResponseHead,
  encodeFrame,
  encodeRequest,
  frameBody,
} from '@flume-rpc/netty-compat';
import type { Sender } from './closed-loop.js';
import type { Workload } from './workload.js';

/**
 * Distinct pre-encoded frames cycled through, so every request in flight has its own serial while
 * nothing is encoded per request. Must exceed any in-flight count used.
 */
const FRAME_POOL = 64;
/** Avro's encoding of an OK answer without handshake: empty metadata, error flag false, enum index 0. */
const OK_RESPONSE = Buffer.from([0, 0, 0]);

/**
 * The ceiling for any client against this server on this machine: a socket that writes
 * pre-encoded appendBatch frames and only counts the answers. No encoding, no per-call objects,
 * no timers; what it reaches is what the server (and loopback) can take.
 */
export async function openRawSender(port: number, workload: Workload, timeoutMs = 10_000): Promise<Sender> {
  const appendBatch = FLUME_PROTOCOL.messages.get('appendBatch');
  if (!appendBatch) throw new Error('AvroSourceProtocol has no appendBatch message');
  const params = appendBatch.request.toBuffer({ events: workload.events });
  const frames: Buffer[] = [];
  for (let serial = 1; serial <= FRAME_POOL; serial += 1) {
    frames.push(Buffer.concat(encodeFrame(serial, encodeRequest('appendBatch', params))));
  }

  const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
  const decoder = new FrameDecoder();
  const pending = new Map<number, (error: Error | null) => void>();
  let failure: Error | null = null;
  let onFrame: (frame: Frame) => void = () => undefined;

  const fail = (error: Error): void => {
    if (failure) return;
    failure = error;
    socket.destroy();
    const waiting = [...pending.values()];
    pending.clear();
    for (const done of waiting) done(error);
  };
  socket.on('error', (err) => fail(err));
  socket.on('close', () => fail(new Error('Raw connection closed')));
  socket.on('data', (chunk: Buffer) => {
    try {
      for (const frame of decoder.push(chunk)) onFrame(frame);
    } catch (err) {
      fail(asError(err));
    }
  });

  // The handshake rides on the first appendBatch; the same protocol hash on both sides gives BOTH.
  const handshakeDone = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Raw handshake took over ${timeoutMs}ms`)), timeoutMs);
    onFrame = (frame) => {
      clearTimeout(timer);
      const head = decodeResponseHead(frameBody(frame), true);
      if (head.handshake?.match !== 'BOTH' || !head.hasCall || head.isError) {
        reject(
          new ProtocolError(
            `Raw handshake answered ${head.handshake?.match ?? 'nothing'}, expected BOTH with a call answer`,
          ),
        );
      } else {
        resolve();
      }
    };
    socket.once('close', () => reject(failure ?? new Error('Raw connection closed during the handshake')));
    const handshake = {
      clientHash: FLUME_PROTOCOL.hash,
      clientProtocol: null,
      serverHash: FLUME_PROTOCOL.hash,
      meta: null,
    };
    socket.cork();
    for (const chunk of encodeFrame(0, encodeRequest('appendBatch', params, handshake))) socket.write(chunk);
    socket.uncork();
  });
  try {
    await handshakeDone;
  } catch (err) {
    socket.destroy();
    throw err;
  }

  onFrame = (frame) => {
    const done = pending.get(frame.serial);
    if (!done) throw new ProtocolError(`Raw client got an answer to serial ${frame.serial}, which is not in flight`);
    pending.delete(frame.serial);
    const body = frameBody(frame);
    done(
      body.equals(OK_RESPONSE)
        ? null
        : new Error(`appendBatch answered something other than OK (${body.toString('hex')})`),
    );
  };
  let next = 0;
  return {
    setupRequests: 1,
    send(done) {
      if (failure) {
        queueMicrotask(() => done(failure));
        return;
      }
      const serial = (next % FRAME_POOL) + 1;
      next += 1;
      if (pending.has(serial)) throw new Error(`Raw client has more than ${FRAME_POOL} requests in flight`);
      pending.set(serial, done);
      socket.write(frames[serial - 1]!);
    },
    async close() {
      socket.destroy();
    },
  };
}
