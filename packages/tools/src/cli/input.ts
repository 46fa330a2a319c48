import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { type Readable, addAbortSignal } from 'node:stream';
import { describe } from '@flume-rpc/netty-compat';
import { LineSplitter } from './lines.js';
import { DEFAULT_COMPLETED_SUFFIX, SpoolError, checkSpoolDirectory, spooledFiles } from './spool-directory.js';
import { UsageError } from './usage-error.js';

/** Where avro-client reads lines from: stdin, one file, or the files of a spooling directory. */
export interface InputSource {
  /** For messages: the path, or "stdin". */
  name: string;
  open(): Readable | Promise<Readable>;
  /**
   * Called once every line of the source was acknowledged (spooled files: checked unchanged and
   * renamed). A source with it gets batches of its own: none spans it and the next source.
   */
  complete?(): Promise<void>;
}

/** A chunk of lines of one source; `end` on the source's last chunk (whose `lines` may be empty). */
export interface SourceLines {
  source: InputSource;
  lines: Buffer[];
  end: boolean;
}

/** An input cannot be opened or read; the message names it. */
export class InputError extends Error {
  constructor(
    readonly source: string,
    cause: unknown,
  ) {
    super(`cannot read ${source}: ${describe(cause)}`, { cause });
  }
}

/** Checks the inputs before anything connects, so a typo fails at once (exit 2). */
export async function resolveSources(
  options: { filename?: string; dirname?: string; fileSuffix?: string },
  stdin: Readable,
): Promise<AsyncIterable<InputSource> | InputSource[]> {
  if (options.dirname !== undefined) {
    const suffix = options.fileSuffix ?? DEFAULT_COMPLETED_SUFFIX;
    await checkSpoolDirectory(options.dirname, suffix);
    return spooledFiles(options.dirname, suffix);
  }
  if (options.fileSuffix !== undefined) throw new UsageError('--file-suffix needs --dirname');
  if (options.filename !== undefined && options.filename !== '-') {
    const file = options.filename;
    let info;
    try {
      info = await stat(file);
    } catch (err) {
      throw new UsageError(`-F/--filename ${file}: ${describe(err)}`);
    }
    if (info.isDirectory()) throw new UsageError(`-F/--filename ${file}: is a directory (use --dirname)`);
    return [{ name: file, open: () => createReadStream(file, { highWaterMark: 64 * 1024 }) }];
  }
  return [{ name: 'stdin', open: () => stdin }];
}

/**
 * The lines of every source in order, a chunk's worth at a time. Reading is pulled: while the
 * consumer does not ask for more, nothing more is read (and a spooling directory is not listed
 * for its next file). Ends quietly, without a source's `end`, when `signal` aborts.
 */
export async function* readLines(
  sources: AsyncIterable<InputSource> | InputSource[],
  signal: AbortSignal,
): AsyncGenerator<SourceLines> {
  for await (const source of sources) {
    if (signal.aborted) return;
    const splitter = new LineSplitter();
    let stream: Readable;
    try {
      stream = addAbortSignal(signal, await source.open());
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof SpoolError) throw err;
      throw new InputError(source.name, err);
    }
    try {
      for await (const chunk of stream) {
        const lines = splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
        if (lines.length > 0) yield { source, lines, end: false };
      }
    } catch (err) {
      if (signal.aborted) return;
      throw new InputError(source.name, err);
    }
    // Each file's last line stands alone, even without a final newline.
    yield { source, lines: splitter.end(), end: true };
  }
}
