import { type Stats, constants, createReadStream } from 'node:fs';
import { access, readdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { describe } from '@flume-rpc/netty-compat';
import type { InputSource } from './input.js';
import { UsageError } from './usage-error.js';

/**
 * `--dirname` as Flume's avro-client reads it, through its ReliableSpoolingFileEventReader with
 * the spooling defaults: the oldest file first (modification time in ms, then name), hidden files
 * (a leading dot) and files already ending in the completed suffix skipped, subdirectories not
 * entered; a file whose every line was acknowledged is checked unchanged since it was opened and
 * renamed to `<name><suffix>`; the directory is listed again after each file, so files dropped in
 * meanwhile are sent too. What Flume does not check, we do not either: a file is assumed complete
 * and immutable once it is in the directory.
 */

/** Flume's spooling default (SpoolDirectorySourceConfigurationConstants.DEFAULT_SPOOLED_FILE_SUFFIX). */
export const DEFAULT_COMPLETED_SUFFIX = '.COMPLETED';

/** The spooling assumptions do not hold (a file changed while read, a completed name re-used): nothing more is sent. */
export class SpoolError extends Error {}

/** Refuses, before anything connects, a directory the reader could not work in (Flume's canary check). */
export async function checkSpoolDirectory(dir: string, suffix: string): Promise<void> {
  if (suffix === '' || suffix.includes('/') || suffix.includes(path.sep)) {
    throw new UsageError(`--file-suffix must be a non-empty file name suffix, not "${suffix}"`);
  }
  let info: Stats;
  try {
    info = await stat(dir);
  } catch (err) {
    throw new UsageError(`--dirname ${dir}: ${describe(err)}`);
  }
  if (!info.isDirectory()) throw new UsageError(`--dirname ${dir}: not a directory`);
  try {
    await access(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch {
    throw new UsageError(
      `--dirname ${dir}: files cannot be read and renamed there (completed files are renamed to <name>${suffix})`,
    );
  }
}

/** The spooled files, one at a time, each chosen when the previous one is done. */
export async function* spooledFiles(dir: string, suffix: string): AsyncGenerator<InputSource> {
  // A file offered once is not offered again in this run, even if it was not renamed.
  const offered = new Set<string>();
  for (;;) {
    const next = await oldestCandidate(dir, suffix, offered);
    if (next === null) return;
    offered.add(next);
    yield spooledFile(path.join(dir, next), suffix);
  }
}

async function oldestCandidate(dir: string, suffix: string, offered: ReadonlySet<string>): Promise<string | null> {
  let best: { name: string; mtime: number } | null = null;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new SpoolError(`cannot list ${dir}: ${describe(err)}`);
  }
  for (const name of names) {
    if (name.startsWith('.') || name.endsWith(suffix) || offered.has(name)) continue;
    // stat, not lstat: a symlink to a regular file is sent (and the link renamed); a subdirectory is not entered.
    const info = await stat(path.join(dir, name)).catch(() => null);
    if (!info?.isFile()) continue;
    // Java's File.lastModified(): whole milliseconds; equal times go by name.
    const mtime = Math.trunc(info.mtimeMs);
    if (best === null || mtime < best.mtime || (mtime === best.mtime && name < best.name)) best = { name, mtime };
  }
  return best?.name ?? null;
}

function spooledFile(file: string, suffix: string): InputSource {
  const completed = `${file}${suffix}`;
  let opened: Stats | null = null;
  return {
    name: file,
    async open(): Promise<Readable> {
      // Refused before anything is sent: Flume would send the file and only then fail to rename it.
      if (await exists(completed)) throw reused(completed);
      opened = await stat(file);
      return createReadStream(file, { highWaterMark: 64 * 1024 });
    },
    async complete(): Promise<void> {
      if (opened === null) throw new Error(`${file} was never opened`);
      const now = await stat(file).catch((err: Error) => {
        throw new SpoolError(`${file} is gone since being read: ${err.message}`);
      });
      // Flume's checks and messages, in its order (ReliableSpoolingFileEventReader.retireCurrentFile).
      if (Math.trunc(now.mtimeMs) !== Math.trunc(opened.mtimeMs))
        throw new SpoolError(`File has been modified since being read: ${file}`);
      if (now.size !== opened.size) throw new SpoolError(`File has changed size since being read: ${file}`);
      if (await exists(completed)) throw reused(completed);
      try {
        await rename(file, completed);
      } catch (err) {
        throw new SpoolError(
          `Unable to move ${file} to ${completed}: ${describe(err)}; sending it again would duplicate its events`,
        );
      }
    },
  };
}

function reused(completed: string): SpoolError {
  return new SpoolError(
    `File name has been re-used with different files. Spooling assumptions violated for ${completed}`,
  );
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
}
