import type avro from 'avsc';
import { AvroCursor } from './avro-cursor.js';

/**
 * Checks that `buf` holds one well-formed value of `type` at `offset`, with every length and
 * block count within the bytes actually there: the offset after it, or what is wrong.
 *
 * avsc trusts declared counts: a map or array block claiming 2^60 entries makes it loop (or
 * allocate) once per entry before it notices the buffer ended, which would block the event loop
 * on one hostile frame. This walk costs one pass and refuses such counts up front.
 */
export function checkWellFormed(
  type: avro.Type,
  buf: Buffer,
  offset: number,
): { end: number } | { problem: string; truncated: boolean } {
  return new Walker(buf, offset).end(type);
}

/** Thrown inside the walk and caught at its top: only malformed input pays for it. */
class Malformed extends Error {
  constructor(
    readonly problem: string,
    readonly truncated = false,
  ) {
    super(problem);
  }
}

class Walker extends AvroCursor {
  constructor(buf: Buffer, pos: number) {
    super(buf, pos, 10, 'varint longer than 10 bytes');
  }

  protected malformed(problem: string, truncated: boolean): never {
    throw new Malformed(problem, truncated);
  }

  end(type: avro.Type): { end: number } | { problem: string; truncated: boolean } {
    try {
      this.skip(type);
    } catch (err) {
      if (err instanceof Malformed) return { problem: err.problem, truncated: err.truncated };
      throw err;
    }
    return { end: this.pos };
  }

  private skip(type: avro.Type): void {
    const t = type as unknown as {
      typeName: string;
      fields?: Array<{ type: avro.Type }>;
      valuesType?: avro.Type;
      itemsType?: avro.Type;
      types?: avro.Type[];
      symbols?: string[];
      size?: number;
      underlyingType?: avro.Type;
    };
    switch (t.typeName) {
      case 'null':
        return;
      case 'boolean':
        this.need(1);
        this.pos += 1;
        return;
      case 'int':
      case 'long':
        this.long();
        return;
      case 'float':
        this.advance(4);
        return;
      case 'double':
        this.advance(8);
        return;
      case 'string':
      case 'bytes':
        this.advance(this.length());
        return;
      case 'fixed':
        this.advance(t.size ?? 0);
        return;
      case 'enum': {
        const index = this.long();
        if (index < 0 || index >= (t.symbols?.length ?? 0)) throw new Malformed(`invalid enum index ${index}`);
        return;
      }
      case 'record':
      case 'error':
      case 'request':
        for (const field of t.fields ?? []) this.skip(field.type);
        return;
      case 'map':
        this.blocks((remaining) => {
          for (let i = 0; i < remaining; i += 1) {
            this.advance(this.length());
            this.skip(t.valuesType!);
          }
        }, 2);
        return;
      case 'array':
        this.blocks((remaining) => {
          for (let i = 0; i < remaining; i += 1) this.skip(t.itemsType!);
        }, minBytes(t.itemsType!));
        return;
      case 'union:unwrapped':
      case 'union:wrapped': {
        const index = this.long();
        const branch = t.types?.[index];
        if (branch === undefined) throw new Malformed(`invalid union index ${index}`);
        this.skip(branch);
        return;
      }
      default:
        if (t.underlyingType) {
          this.skip(t.underlyingType); // logical types
          return;
        }
        throw new Error(`wellFormedEnd: unsupported Avro type ${t.typeName}`);
    }
  }

  /** Avro blocks: count, optional byte size when negative, until a zero count. */
  private blocks(each: (count: number) => void, bytesPerItem: number): void {
    for (;;) {
      const count = this.blockCount(bytesPerItem);
      if (count === 0) return;
      each(count);
    }
  }

  private advance(n: number): void {
    this.need(n);
    this.pos += n;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Malformed('ends early', true);
  }
}

/** The fewest bytes one value of `type` can take, to bound what a block count may claim. */
function minBytes(type: avro.Type): number {
  const t = type as unknown as { typeName: string; fields?: Array<{ type: avro.Type }>; size?: number };
  switch (t.typeName) {
    case 'null':
      return 0;
    case 'fixed':
      return t.size ?? 0;
    case 'record':
    case 'error':
      return (t.fields ?? []).reduce((sum, f) => sum + minBytes(f.type), 0);
    case 'float':
      return 4;
    case 'double':
      return 8;
    default:
      return 1;
  }
}
