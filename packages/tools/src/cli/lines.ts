/**
 * Splits a byte stream into lines the way Flume's avro-client reads them (Java's
 * BufferedReader.readLine): a line ends at \n, \r or \r\n, the terminator is not part of the
 * line, an empty line is a line, and a last line without a terminator is a line too. Bytes are
 * kept as they are (no decoding), so binary-ish input survives.
 */

const LF = 0x0a;
const CR = 0x0d;

/** Longest line accepted: an event larger than this could not cross the wire anyway. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

export class LineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`a line is longer than ${limit} bytes`);
  }
}

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The previous chunk ended with \r: a \n at the start of the next one belongs to it. */
  private skipLf = false;

  constructor(private readonly maxLineBytes = MAX_LINE_BYTES) {}

  /** The lines completed by this chunk (they may share memory with it). */
  push(chunk: Buffer): Buffer[] {
    const lines: Buffer[] = [];
    if (chunk.length === 0) return lines;
    let start = 0;
    if (this.skipLf) {
      this.skipLf = false;
      if (chunk[0] === LF) start = 1;
    }
    let nextLf = chunk.indexOf(LF, start);
    let nextCr = chunk.indexOf(CR, start);
    while (nextLf >= 0 || nextCr >= 0) {
      const end = nextLf < 0 ? nextCr : nextCr < 0 ? nextLf : Math.min(nextLf, nextCr);
      lines.push(this.complete(chunk.subarray(start, end)));
      start = end + 1;
      if (chunk[end] === CR) {
        if (end + 1 < chunk.length) {
          if (chunk[end + 1] === LF) start = end + 2;
        } else {
          this.skipLf = true;
        }
      }
      if (nextLf >= 0 && nextLf < start) nextLf = chunk.indexOf(LF, start);
      if (nextCr >= 0 && nextCr < start) nextCr = chunk.indexOf(CR, start);
    }
    if (start < chunk.length) this.hold(chunk.subarray(start));
    return lines;
  }

  /** The last line, if the input did not end with a terminator. */
  end(): Buffer[] {
    this.skipLf = false;
    if (this.pendingBytes === 0) return [];
    return [this.complete(Buffer.alloc(0))];
  }

  private hold(part: Buffer): void {
    this.pendingBytes += part.length;
    if (this.pendingBytes > this.maxLineBytes) throw new LineTooLongError(this.maxLineBytes);
    // A copy: the reader may reuse its chunk buffers.
    this.pending.push(Buffer.from(part));
  }

  private complete(tail: Buffer): Buffer {
    if (this.pendingBytes + tail.length > this.maxLineBytes) throw new LineTooLongError(this.maxLineBytes);
    if (this.pendingBytes === 0) return tail;
    const line = Buffer.concat([...this.pending, tail], this.pendingBytes + tail.length);
    this.pending = [];
    this.pendingBytes = 0;
    return line;
  }
}
