import tls from 'node:tls';
import { IANA_TO_OPENSSL } from './cipher-suite-names.js';

/** Protocol names as Java's SSLEngine spells them (Flume's include-/exclude-protocols). */
const JAVA_PROTOCOLS = ['SSLv2Hello', 'SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
type NodeProtocol = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
const NODE_ORDER: readonly NodeProtocol[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** A protocol or cipher suite name that is unknown, or a list that leaves nothing enabled. */
export class TlsNameError extends Error {
  constructor(
    readonly key: string,
    readonly value: readonly string[],
    reason: string,
  ) {
    super(reason);
  }
}

/**
 * Flume's rule: start from the engine's enabled protocols, keep those in include (when given),
 * drop those in exclude (SSLv3 always). Node enables TLSv1.2 and TLSv1.3 by default, as current
 * JDKs do; what is left must be a range, which it always is with two.
 */
export function protocolRange(
  include: readonly string[],
  exclude: readonly string[],
): { minVersion: NodeProtocol; maxVersion: NodeProtocol } {
  for (const [key, list] of [
    ['include-protocols', include],
    ['exclude-protocols', exclude],
  ] as const) {
    const unknown = list.find((name) => !(JAVA_PROTOCOLS as readonly string[]).includes(name));
    if (unknown) throw new TlsNameError(key, list, `unknown protocol ${unknown} (known: ${JAVA_PROTOCOLS.join(', ')})`);
  }
  const from = NODE_ORDER.indexOf(tls.DEFAULT_MIN_VERSION);
  const to = NODE_ORDER.indexOf(tls.DEFAULT_MAX_VERSION);
  const enabled = NODE_ORDER.slice(from, to + 1).filter(
    (p) => (include.length === 0 || include.includes(p)) && !exclude.includes(p),
  );
  if (enabled.length === 0) {
    const [key, list] = include.length > 0 ? ['include-protocols', include] : ['exclude-protocols', exclude];
    throw new TlsNameError(
      key,
      list,
      `leaves no protocol enabled (available: ${NODE_ORDER.slice(from, to + 1).join(', ')})`,
    );
  }
  return { minVersion: enabled[0]!, maxVersion: enabled[enabled.length - 1]! };
}

/**
 * Node's `ciphers` string for Flume's include-/exclude-cipher-suites, which use the IANA names
 * Java uses (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256); undefined keeps Node's default list.
 */
export function cipherList(include: readonly string[], exclude: readonly string[]): string | undefined {
  if (include.length === 0 && exclude.length === 0) return undefined;
  const toOpenSsl =
    (key: string, list: readonly string[]) =>
    (name: string): string => {
      const mapped = IANA_TO_OPENSSL.get(name);
      if (mapped === undefined)
        throw new TlsNameError(key, list, `unknown cipher suite ${name} (use the IANA name, as Java does)`);
      return mapped;
    };
  const excluded = new Set(exclude.map(toOpenSsl('exclude-cipher-suites', exclude)));
  if (include.length > 0) {
    const list = include.map(toOpenSsl('include-cipher-suites', include)).filter((name) => !excluded.has(name));
    if (list.length === 0) throw new TlsNameError('include-cipher-suites', include, 'leaves no cipher suite enabled');
    return list.join(':');
  }
  // TLS 1.3 suites are a plain list in Node's default string; TLS 1.2 ones can also come back through HIGH, hence the '!'.
  const kept = tls.DEFAULT_CIPHERS.split(':').filter((name) => !excluded.has(name));
  const negated = [...excluded].filter((name) => !name.startsWith('TLS_')).map((name) => `!${name}`);
  return [...kept, ...negated].join(':');
}
