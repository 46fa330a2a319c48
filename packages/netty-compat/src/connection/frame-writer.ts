import type { Duplex } from 'node:stream';
import { BufferPool } from '../codec/buffer-pool.js';
import type { EncodedParams } from '../codec/event-encoder.js';
import { encodeFrame } from '../codec/frame-codec.js';
import { frameRequestInPlace } from '../codec/request-frame.js';

/**
 * The write side of one client connection: frames into the top of the socket stack, a flag for
 * a full socket buffer, and write batching. Calls made in one burst of callbacks, as when several
 * answers arrive in one read and each caller sends its next batch, leave in one writev.
 */
export class FrameWriter {
  /** The socket reported a full buffer: calls wait until it drains. */
  congested = false;
  private flushScheduled = false;
  private readonly pool = new BufferPool();
  /** Encode buffers for framable calls, handed back by the socket once written. */
  readonly allocate = (size: number): Buffer => this.pool.take(size);
  private readonly scheduledFlush: () => void;

  /** `flush` writes what waits; it runs on schedule() and whenever the socket drains. */
  constructor(
    private readonly socket: Duplex,
    flush: () => void,
  ) {
    this.scheduledFlush = () => {
      this.flushScheduled = false;
      flush();
    };
    socket.on('drain', () => {
      this.congested = false;
      flush();
    });
  }

  /**
   * Runs flush once the current burst of callbacks is over (process.nextTick runs after the
   * promise jobs in flight).
   */
  schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(this.scheduledFlush);
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
    if (!this.socket.write(frameRequestInPlace(params, serial, messageName), written)) this.congested = true;
  }

  writeFrame(serial: number, buffers: Buffer[]): void {
    this.socket.cork();
    for (const chunk of encodeFrame(serial, buffers)) {
      if (!this.socket.write(chunk)) this.congested = true;
    }
    this.socket.uncork();
  }
}
