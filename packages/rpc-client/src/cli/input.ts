import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, addAbortSignal } from 'node:stream';
import { LineSplitter } from './lines.js';

/** Where avro-client reads lines from: stdin, one file, or each regular file of a directory in name order. */
export interface InputSource {
  /** For messages: the path, or "stdin". */
  name: string;
  open(): Readable;
}

/** An input cannot be opened or read; the message names it. */
export class InputError extends Error {
  constructor(
    readonly source: string,
    cause: unknown,
  ) {
    super(`cannot read ${source}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Checks the inputs exist before anything connects, so a typo fails at once. */
export async function resolveSources(options: { filename?: string; dirname?: string }, stdin: Readable): Promise<InputSource[]> {
  if (options.dirname !== undefined) {
    const dir = options.dirname;
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch (err) {
      throw new InputError(dir, err);
    }
    const files: InputSource[] = [];
    for (const name of names) {
      const file = path.join(dir, name);
      // stat, not lstat: a symlink to a regular file counts, as with Java's File.isFile().
      const info = await stat(file).catch(() => null);
      if (info?.isFile()) files.push(fileSource(file));
    }
    return files;
  }
  if (options.filename !== undefined && options.filename !== '-') {
    const file = options.filename;
    let info;
    try {
      info = await stat(file);
    } catch (err) {
      throw new InputError(file, err);
    }
    if (info.isDirectory()) throw new InputError(file, new Error('is a directory (use --dirname)'));
    return [fileSource(file)];
  }
  return [{ name: 'stdin', open: () => stdin }];
}

function fileSource(file: string): InputSource {
  return { name: file, open: () => createReadStream(file, { highWaterMark: 64 * 1024 }) };
}

/**
 * The lines of every source in order, a chunk's worth at a time. Reading is pulled: while the
 * consumer does not ask for more, nothing more is read. Ends quietly when `signal` aborts.
 */
export async function* readLines(sources: InputSource[], signal: AbortSignal): AsyncGenerator<Buffer[]> {
  for (const source of sources) {
    if (signal.aborted) return;
    const splitter = new LineSplitter();
    let stream: Readable;
    try {
      stream = addAbortSignal(signal, source.open());
    } catch (err) {
      if (signal.aborted) return;
      throw new InputError(source.name, err);
    }
    try {
      for await (const chunk of stream) {
        const lines = splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
        if (lines.length > 0) yield lines;
      }
    } catch (err) {
      if (signal.aborted) return;
      throw new InputError(source.name, err);
    }
    // Each file's last line stands alone, even without a final newline.
    const rest = splitter.end();
    if (rest.length > 0) yield rest;
  }
}
