/**
 * Short strings decoded in JS: header keys and values, message names. Calling into C++ per
 * string, or building it char by char, costs two to three times more for the few bytes they have.
 */
/** Strings up to this length (most header keys and values) are built in JS. */
export const SHORT_STRING = 12;
const fromCharCode = String.fromCharCode;

/**
 * A short string: when it is all ASCII, one fromCharCode call with a fixed number of arguments,
 * which V8 builds without an intermediate string. Anything else takes Buffer's UTF-8 path.
 */
export function shortString(b: Buffer, s: number, length: number): string {
  let high = 0;
  for (let i = s; i < s + length; i += 1) high |= b[i]!;
  if (high >= 0x80) return b.toString('utf8', s, s + length);
  switch (length) {
    case 0:
      return '';
    case 1:
      return fromCharCode(b[s]!);
    case 2:
      return fromCharCode(b[s]!, b[s + 1]!);
    case 3:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!);
    case 4:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!);
    case 5:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!);
    case 6:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!);
    case 7:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!);
    case 8:
      return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!);
    default: {
      // 9 to 12: two fixed-arity halves; their concatenation stays flat below V8's cons-string size.
      const head = fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!);
      return head + shortString(b, s + 8, length - 8);
    }
  }
}

/** Bounded: a peer sending endless distinct strings only makes the cache start over. */
const CACHE_ENTRIES = 1024;
const cache = new Map<number, string>();

/**
 * A short string that recurs (header keys, message names) from the cache when the same ASCII
 * bytes were seen before: the same string instance then serves every event, and V8 need not
 * build and internalise a new one for each property store (a third of the decoding time of a
 * typical batch). Entries are checked byte for byte, so a hash collision only costs a miss; only
 * ASCII is cached.
 */
export function cachedAscii(b: Buffer, s: number, length: number): string {
  let hash = length;
  let high = 0;
  for (let i = s; i < s + length; i += 1) {
    const byte = b[i]!;
    high |= byte;
    hash = Math.imul(hash ^ byte, 16777619);
  }
  if (high >= 0x80) return b.toString('utf8', s, s + length);
  const hit = cache.get(hash);
  if (hit !== undefined && hit.length === length && sameAscii(hit, b, s)) return hit;
  const made = shortString(b, s, length);
  if (cache.size >= CACHE_ENTRIES) cache.clear();
  cache.set(hash, made);
  return made;
}

function sameAscii(text: string, b: Buffer, s: number): boolean {
  for (let i = 0; i < text.length; i += 1) if (text.charCodeAt(i) !== b[s + i]) return false;
  return true;
}
