import { Duplex } from 'node:stream';
import zlib from 'node:zlib';

/**
 * Flume's `compression-type = deflate` as a stream layer: each direction of the connection is one
 * zlib stream (zlib header, not raw deflate), and every write is ended with a sync flush, as
 * Netty's JZlibEncoder does per message, so the peer can decode each frame as soon as it arrives.
 *
 * Writes reach `inner` compressed; what `inner` yields is inflated. A write's callback fires once
 * zlib has consumed the chunk, so a caller may reuse the buffer then. Back-pressure runs through:
 * a full `inner` pauses the deflater, which holds back write callbacks, which fills this stream's
 * write buffer; a reader that stops reading pauses the inflater and then `inner`.
 */
export class ZlibLayer extends Duplex {
  private readonly deflater: zlib.Deflate;
  private readonly inflater: zlib.Inflate;

  constructor(
    private readonly inner: Duplex,
    level: number,
  ) {
    super({ allowHalfOpen: false });
    this.deflater = zlib.createDeflate({ level, flush: zlib.constants.Z_SYNC_FLUSH });
    // A peer may close without finishing its stream (Netty does when the channel just closes): what
    // it sent is still delivered, and the close reads as a close, not as a broken zlib stream.
    this.inflater = zlib.createInflate({ finishFlush: zlib.constants.Z_SYNC_FLUSH });

    this.deflater.on('data', (chunk: Buffer) => {
      if (!inner.write(chunk)) {
        this.deflater.pause();
        inner.once('drain', () => this.deflater.resume());
      }
    });
    this.inflater.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) this.inflater.pause();
    });
    inner.on('data', (chunk: Buffer) => {
      if (!this.inflater.write(chunk)) {
        inner.pause();
        this.inflater.once('drain', () => inner.resume());
      }
    });

    this.deflater.on('error', (err) => this.destroy(err));
    this.inflater.on('error', (err) => this.destroy(new ZlibStreamError(err)));
    inner.on('error', (err) => this.destroy(err));
    // The peer's stream ends: what it sent is inflated to the end before this layer ends too.
    inner.on('end', () => this.inflater.end());
    this.inflater.on('end', () => this.push(null));
    // This layer closes only once the inflated bytes have been read, so answers that arrived just
    // before the peer closed still reach the reader.
    inner.on('close', () => {
      if (!this.inflater.writableEnded) this.inflater.end();
      if (this.inflater.readableEnded || this.inflater.destroyed) this.destroy();
      else this.inflater.once('close', () => this.destroy());
    });
    this.inflater.on('close', () => {
      if (inner.destroyed) this.destroy();
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.deflater.write(chunk, callback);
  }

  /** Chunks written together (a corked burst) are compressed and flushed as one. */
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.deflater.write(chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk)), callback);
  }

  override _read(): void {
    this.inflater.resume();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.deflater.end(() => {
      this.inner.end();
      callback();
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.deflater.destroy();
    this.inflater.destroy();
    this.inner.destroy();
    callback(error);
  }
}

/** The peer's bytes are not a zlib stream (it does not compress, or speaks another layer first). */
export class ZlibStreamError extends Error {
  constructor(cause: Error) {
    super(`the peer's bytes are not a zlib stream (${cause.message})`, { cause });
  }
}
