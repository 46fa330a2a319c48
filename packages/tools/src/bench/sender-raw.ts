import net from 'node:net';
import {
  FLUME_PROTOCOL,
  asError,
  type Frame,
  FrameDecoder,
  ProtocolError,
  decodeResponseHead,
  encodeEventArray,
  encodeEventArrayAfter,
  encodeFrame,
  encodeRequest,
  frameBody,
  frameRequestInPlace,
  requestHeadroom,
} from '@flume-rpc/netty-compat';
import type { Sender } from './closed-loop.js';
import type { Workload } from './workload.js';

/**
 * Serials cycled through (with a pre-encoded frame, or an encode buffer, each), so every request
 * in flight has its own. Must exceed any in-flight count used.
 */
const FRAME_POOL = 64;
/** Avro's encoding of an OK answer without handshake: empty metadata, error flag false, enum index 0. */
const OK_RESPONSE = Buffer.from([0, 0, 0]);

/** The bytes of the appendBatch frame with this serial, built before or at the call. */
interface FrameSource {
  frameFor(serial: number): Buffer;
  /** The call with this serial was answered, so its frame was wholly written. */
  answered?(serial: number): void;
}

/**
 * The ceiling for any client against this server on this machine: a socket that writes
 * pre-encoded appendBatch frames and only counts the answers. No encoding, no per-call objects,
 * no timers; what it reaches is what the server (and loopback) can take.
 */
export function openRawSender(port: number, workload: Workload, timeoutMs = 10_000): Promise<Sender> {
  const appendBatch = FLUME_PROTOCOL.messages.get('appendBatch');
  if (!appendBatch) throw new Error('AvroSourceProtocol has no appendBatch message');
  const params = appendBatch.request.toBuffer({ events: workload.events });
  const frames: Buffer[] = [];
  for (let serial = 1; serial <= FRAME_POOL; serial += 1) {
    frames.push(Buffer.concat(encodeFrame(serial, encodeRequest('appendBatch', params))));
  }
  return openFrameSender(port, timeoutMs, params, { frameFor: (serial) => frames[serial - 1]! });
}

/**
 * The raw sender, but every call encodes its batch with the wire layer's encoder (the check and
 * size walk, then the write pass, framed in place) as any client must: its CPU over raw's is what
 * encoding costs, and a client's over this one's is everything else it does. Buffers are reused
 * last-in first-out, as the connection's pool does (a few stay warm in the cache), each once the
 * call it carried was answered, and so wholly written.
 */
export function openRawEncodingSender(port: number, workload: Workload, timeoutMs = 10_000): Promise<Sender> {
  const headroom = requestHeadroom('appendBatch');
  const free: Buffer[] = [];
  const inFlight = new Map<number, Buffer>();
  const allocate = (size: number): Buffer => {
    const kept = free.pop();
    return kept !== undefined && kept.length >= size ? kept : Buffer.allocUnsafeSlow(size);
  };
  const source: FrameSource = {
    frameFor(serial) {
      const params = encodeEventArrayAfter(workload.events, headroom, allocate);
      inFlight.set(serial, params.allocation);
      return frameRequestInPlace(params, serial, 'appendBatch');
    },
    answered(serial) {
      const buffer = inFlight.get(serial);
      inFlight.delete(serial);
      if (buffer !== undefined) free.push(buffer);
    },
  };
  return openFrameSender(port, timeoutMs, encodeEventArray(workload.events), source);
}

/** Connects, handshakes with `handshakeParams` riding on the first call, then writes the source's frame per send. */
async function openFrameSender(
  port: number,
  timeoutMs: number,
  handshakeParams: Buffer,
  source: FrameSource,
): Promise<Sender> {
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
    for (const chunk of encodeFrame(0, encodeRequest('appendBatch', handshakeParams, handshake))) socket.write(chunk);
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
    source.answered?.(frame.serial);
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
      socket.write(source.frameFor(serial));
    },
    async close() {
      socket.destroy();
    },
  };
}
