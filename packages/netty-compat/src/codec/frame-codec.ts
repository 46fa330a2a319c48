import { ProtocolError } from '../errors.js';
import { type FrameLimits, DEFAULT_FRAME_LIMITS } from './limits.js';

/**
 * Netty framing as Avro Java's NettyTransportCodec writes it: a 4-byte big-endian serial, a 4-byte
 * big-endian buffer count, then each buffer as a 4-byte big-endian length and its bytes.
 */
export interface Frame {
  serial: number;
  buffers: Buffer[];
}

const INT_BYTES = 4;
/** Buffers at most this long are copied into the header chunk; longer ones are handed over as is. */
const COALESCE_BELOW = 512;

/**
 * Encodes a frame as a list of chunks for one corked writev: small buffers are copied next to the
 * length prefixes, large ones are passed by reference so event bodies are never copied again.
 */
export function encodeFrame(serial: number, buffers: readonly Uint8Array[]): Buffer[] {
  const chunks: Buffer[] = [];
  let pendingSize = 2 * INT_BYTES;
  let pending: Uint8Array[] = [];
  for (const buffer of buffers) {
    if (buffer.length < COALESCE_BELOW) {
      pending.push(buffer);
      pendingSize += INT_BYTES + buffer.length;
    } else {
      chunks.push(flushSmall(pending, pendingSize, chunks.length === 0, serial, buffers.length, buffer.length));
      chunks.push(Buffer.isBuffer(buffer) ? buffer : Buffer.from(buffer.buffer, buffer.byteOffset, buffer.length));
      pending = [];
      pendingSize = 0;
    }
  }
  if (pending.length > 0 || chunks.length === 0) {
    chunks.push(flushSmall(pending, pendingSize, chunks.length === 0, serial, buffers.length, -1));
  }
  return chunks;
}

/**
 * Writes the pending small buffers with their length prefixes (after the frame header when
 * `withHeader`), followed by the length prefix of the large buffer that comes next, if any.
 */
function flushSmall(
  pending: Uint8Array[],
  size: number,
  withHeader: boolean,
  serial: number,
  count: number,
  nextLength: number,
): Buffer {
  const out = Buffer.allocUnsafe(size + (nextLength >= 0 ? INT_BYTES : 0));
  let offset = 0;
  if (withHeader) {
    offset = out.writeUInt32BE(serial >>> 0, offset);
    offset = out.writeUInt32BE(count, offset);
  }
  for (const buffer of pending) {
    offset = out.writeUInt32BE(buffer.length, offset);
    out.set(buffer, offset);
    offset += buffer.length;
  }
  if (nextLength >= 0) out.writeUInt32BE(nextLength, offset);
  return out;
}

/** Concatenates a frame's buffers into the one message they carry (no copy when there is one). */
export function frameBody(frame: Frame): Buffer {
  const nonEmpty = frame.buffers.filter((b) => b.length > 0);
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  return Buffer.concat(nonEmpty);
}

type DecoderPhase = 'serial' | 'count' | 'length' | 'body';

/**
 * Streaming frame decoder: accepts any split of the byte stream and returns the complete frames.
 * It buffers at most one frame (bounded by the limits); a violation throws a ProtocolError and
 * leaves the decoder failed.
 */
export class FrameDecoder {
  private readonly chunks: Buffer[] = [];
  private available = 0;
  private phase: DecoderPhase = 'serial';
  private serial = 0;
  private remainingBuffers = 0;
  private bufferLength = 0;
  private frameBytes = 0;
  private buffers: Buffer[] = [];
  private failed: ProtocolError | null = null;

  constructor(private readonly limits: FrameLimits = DEFAULT_FRAME_LIMITS) {}

  /** Frames completed by this chunk, in order. Throws ProtocolError on malformed input. */
  push(chunk: Buffer): Frame[] {
    if (this.failed) throw this.failed;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.available += chunk.length;
    }
    const frames: Frame[] = [];
    try {
      for (;;) {
        const frame = this.step();
        if (frame === undefined) break;
        if (frame !== null) frames.push(frame);
      }
    } catch (err) {
      this.failed = err as ProtocolError;
      this.chunks.length = 0;
      this.buffers = [];
      throw err;
    }
    return frames;
  }

  /** Lets go of an unfinished frame's bytes at once (its connection is closing); accepts nothing after. */
  discard(): void {
    this.failed ??= new ProtocolError('Frame decoder discarded');
    this.chunks.length = 0;
    this.buffers = [];
    this.available = 0;
    this.frameBytes = 0;
  }

  /** Bytes held that belong to an incomplete frame: non-zero at end of stream means truncation. */
  get bufferedBytes(): number {
    return this.available + this.frameBytes;
  }

  /** True between frames: nothing of a partial frame is held. */
  get atFrameBoundary(): boolean {
    return this.phase === 'serial' && this.available === 0;
  }

  /** Advances one phase; returns a frame when one completes, null when progress was made, undefined when starved. */
  private step(): Frame | null | undefined {
    switch (this.phase) {
      case 'serial': {
        if (this.available < INT_BYTES) return undefined;
        this.serial = this.readUInt32();
        this.phase = 'count';
        return null;
      }
      case 'count': {
        if (this.available < INT_BYTES) return undefined;
        const count = this.readInt32();
        if (count < 0 || count > this.limits.maxBufferCount) {
          throw new ProtocolError(
            `Frame ${this.serial} declares ${count} buffers; allowed 0 to ${this.limits.maxBufferCount}`,
          );
        }
        this.remainingBuffers = count;
        this.frameBytes = 0;
        this.buffers = [];
        return this.endOfBuffer();
      }
      case 'length': {
        if (this.available < INT_BYTES) return undefined;
        const length = this.readInt32();
        if (length < 0 || length > this.limits.maxBufferBytes) {
          throw new ProtocolError(
            `Frame ${this.serial} declares a buffer of ${length} bytes; allowed 0 to ${this.limits.maxBufferBytes}`,
          );
        }
        if (this.frameBytes + length > this.limits.maxFrameBytes) {
          throw new ProtocolError(
            `Frame ${this.serial} exceeds ${this.limits.maxFrameBytes} bytes (at least ${this.frameBytes + length})`,
          );
        }
        this.bufferLength = length;
        this.phase = 'body';
        return null;
      }
      case 'body': {
        if (this.available < this.bufferLength) return undefined;
        this.buffers.push(this.take(this.bufferLength));
        this.frameBytes += this.bufferLength;
        this.remainingBuffers -= 1;
        return this.endOfBuffer();
      }
    }
  }

  private endOfBuffer(): Frame | null {
    if (this.remainingBuffers > 0) {
      this.phase = 'length';
      return null;
    }
    const frame = { serial: this.serial, buffers: this.buffers };
    this.buffers = [];
    this.frameBytes = 0;
    this.phase = 'serial';
    return frame;
  }

  private readUInt32(): number {
    return this.take(INT_BYTES).readUInt32BE(0);
  }

  private readInt32(): number {
    return this.take(INT_BYTES).readInt32BE(0);
  }

  /** Removes n bytes from the front; slices without copying when they lie in one chunk. */
  private take(n: number): Buffer {
    this.available -= n;
    const first = this.chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first !== undefined && first.length >= n) {
      if (first.length === n) {
        this.chunks.shift();
        return first;
      }
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let offset = 0;
    while (offset < n) {
      const chunk = this.chunks[0]!;
      const part = Math.min(chunk.length, n - offset);
      chunk.copy(out, offset, 0, part);
      offset += part;
      if (part === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(part);
    }
    return out;
  }
}
