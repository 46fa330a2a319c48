/**
 * A position in Avro binary data, for the readers written by hand (the event decoder, the
 * well-formedness walk): the wire package's one zig-zag varint reader (Avro int and long), and
 * lengths and block counts checked against the bytes present before anything loops or
 * allocates on them. Each reader says how a problem is reported.
 */
export abstract class AvroCursor {
  constructor(
    protected readonly buf: Buffer,
    public pos: number,
    /** The most bytes a varint may take, and the problem named when one runs longer. */
    private readonly maxLongBytes: number,
    private readonly longTooLong: string,
  ) {}

  /** Reports a problem; `truncated` when the bytes end before the value does. Never returns. */
  protected abstract malformed(problem: string, truncated: boolean): never;

  /** A zig-zag varint (Avro int or long), exact within the safe integer range. */
  protected long(): number {
    const first = this.buf[this.pos];
    if (first !== undefined && first < 0x80) {
      // One byte, the usual case for counts and lengths.
      this.pos += 1;
      return (first >>> 1) ^ -(first & 1);
    }
    let result = 0;
    let shift = 1;
    for (let i = 0; i < this.maxLongBytes; i += 1) {
      if (this.pos >= this.buf.length) this.malformed('ends early', true);
      const byte = this.buf[this.pos++]!;
      result += (byte & 0x7f) * shift;
      if ((byte & 0x80) === 0) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      shift *= 128;
    }
    this.malformed(this.longTooLong, false);
  }

  /** The length of a string or bytes value, within the bytes left. */
  protected length(): number {
    const length = this.long();
    if (length < 0) this.malformed(`negative length ${length}`, false);
    if (length > this.buf.length - this.pos) this.malformed(`length ${length} exceeds the bytes present`, true);
    return length;
  }

  /**
   * A block's item count (its byte size skipped when given), checked against the bytes left:
   * each item takes at least `minItemBytes` (when that is 0, the count is bounded by the buffer).
   */
  blockCount(minItemBytes: number): number {
    let count = this.long();
    if (count < 0) {
      count = -count;
      this.long();
    }
    const tooMany = minItemBytes > 0 ? count * minItemBytes > this.buf.length - this.pos : count > this.buf.length;
    if (tooMany) this.malformed(`block count ${count} exceeds the bytes present`, true);
    return count;
  }
}
