import type { Duplex } from 'node:stream';
import { BufferPool } from '../codec/buffer-pool.js';
import type { EncodedParams } from '../codec/event-encoder.js';
import { encodeFrame } from '../codec/frame-codec.js';
import { frameRequestInPlace } from '../codec/request-frame.js';

/**
 * Bytes a connection may leave in its socket's user-space buffer before later calls wait in its
 * own queue. Not the stream's high-water mark (16 KiB): a single 100-event batch is twice that,
 * so every write would report a full socket and calls answered together would leave one write
 * each instead of sharing one writev. Calls past the budget stay abortable and time out unwritten.
 */
const WRITE_BUDGET_BYTES = 256 * 1024;

/**
 * The write side of one client connection: frames into the top of the socket stack, a flag for
 * a full socket buffer, and write batching. Calls made in one burst of callbacks, as when several
 * answers arrive in one read and each caller sends its next batch, leave in one writev.
 */
export class FrameWriter {
  /** The socket holds a write budget's worth of bytes: calls wait until it drains. */
  congested = false;
  private flushScheduled = false;
  private readonly pool = new BufferPool();
  /** Encode buffers for framable calls, handed back by the socket once written. */
  readonly allocate = (size: number): Buffer => this.pool.take(size);
  private readonly scheduledFlush: () => void;
  /** Never below the socket's own mark, so a congested socket always emits 'drain'. */
  private readonly budget: number;

  /** `flush` writes what waits; it runs on schedule() and whenever the socket drains. */
  constructor(
    private readonly socket: Duplex,
    flush: () => void,
  ) {
    this.scheduledFlush = () => {
      this.flushScheduled = false;
      flush();
    };
    this.budget = Math.max(WRITE_BUDGET_BYTES, socket.writableHighWaterMark);
    socket.on('drain', () => {
      this.congested = false;
      flush();
    });
  }

  /**
   * Runs flush once this turn of the event loop has run its I/O callbacks (setImmediate, not
   * process.nextTick, which runs after each one): calls made in answer to several reads at once,
   * as a load-balancing client's connections become readable together, leave in one write per
   * connection instead of one per read. The poll does not wait while an immediate is pending.
   */
  schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.scheduledFlush);
  }

  /** Holds writes until uncork(), so they leave together. */
  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  /** A request framed in the headroom of its parameters: one buffer, whose allocation is reused once written. */
  writeFramable(params: EncodedParams, serial: number, messageName: string): void {
    // The socket is the last reader of a framed call's buffer; once it is written, it can be reused.
    const written = (err?: Error | null): void => {
      if (!err) this.pool.give(params.allocation);
    };
    this.socket.write(frameRequestInPlace(params, serial, messageName), written);
    this.noteBuffered();
  }

  writeFrame(serial: number, buffers: Buffer[]): void {
    this.socket.cork();
    for (const chunk of encodeFrame(serial, buffers)) this.socket.write(chunk);
    this.noteBuffered();
    this.socket.uncork();
  }

  private noteBuffered(): void {
    if (this.socket.writableLength >= this.budget) this.congested = true;
  }
}
