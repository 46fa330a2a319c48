import { InvalidArgumentError } from 'commander';

/** Flag value parsers for commander: each refuses what it cannot use with a message commander prints after the flag's name. */

export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim()))
      throw new InvalidArgumentError(`must be a whole number${min > 0 ? ` >= ${min}` : ''}.`);
    const number = Number(value);
    if (!Number.isSafeInteger(number) || number < min || number > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER ? `must be >= ${min}.` : `must be from ${min} to ${max}.`,
      );
    }
    return number;
  };
}

const INFINITY = /^inf(inity)?$/i;

/** Milliseconds, or inf/infinity for "never" (a handshake that is never answered). */
export function millisOrInfinity(value: string): number {
  if (INFINITY.test(value.trim())) return Number.POSITIVE_INFINITY;
  return integer(0)(value);
}

/** A bound of at least 1, or inf/infinity for none. */
export function boundOrInfinity(value: string): number {
  if (INFINITY.test(value.trim())) return Number.POSITIVE_INFINITY;
  try {
    return integer(1)(value);
  } catch {
    throw new InvalidArgumentError('must be a whole number >= 1, or inf.');
  }
}

const BYTE_UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A byte count of at least 1 with an optional binary suffix (k, m, g: KiB, MiB, GiB), or inf. */
export function bytesOrInfinity(value: string): number {
  if (INFINITY.test(value.trim())) return Number.POSITIVE_INFINITY;
  const match = /^(\d+)\s*([kmg]?)(?:i?b)?$/i.exec(value.trim());
  const bytes = match ? Number(match[1]) * BYTE_UNITS[match[2]!.toLowerCase()]! : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1)
    throw new InvalidArgumentError('must be a byte count >= 1 (suffix k, m or g for KiB, MiB, GiB), or inf.');
  return bytes;
}
