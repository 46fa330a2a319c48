import fs from 'node:fs';
import tls from 'node:tls';
import jks from 'jks-js';

/** The store formats Flume's `truststore-type` / `keystore-type` take that we read. */
export type StoreType = 'JKS' | 'PKCS12' | 'PEM';

export const STORE_TYPES: readonly StoreType[] = ['JKS', 'PKCS12', 'PEM'];

/** A store could not be read: missing file, wrong password, wrong type, no certificate in it. */
export class StoreReadError extends Error {
  constructor(
    readonly path: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${reason}`, options);
  }
}

/** Java accepts `pkcs12`, `jks`: store types are case-insensitive there too. */
export function parseStoreType(value: string): StoreType | null {
  const upper = value.trim().toUpperCase();
  if (upper === 'P12' || upper === 'PFX') return 'PKCS12';
  return (STORE_TYPES as readonly string[]).includes(upper) ? (upper as StoreType) : null;
}

/**
 * The trusted certificates of a truststore, as PEM texts for Node's `ca`. A JKS or PKCS#12 file
 * (an agent's existing truststore, unchanged) is read with jks-js; a PEM file is taken as it is.
 */
export function readTrustedCertificates(path: string, type: StoreType, password: string | null): string[] {
  const bytes = readStore(path);
  if (type === 'PEM') {
    const certificates = splitPem(bytes.toString('utf8'));
    if (certificates.length === 0) throw new StoreReadError(path, 'holds no PEM certificate');
    return certificates;
  }
  const entries = decodeStore(path, bytes, type, password);
  // Java trusts the certificates of key entries too (TrustManagerFactory uses every certificate in the store).
  const certificates = Object.values(entries).flatMap((entry) => splitPem(entry.ca ?? entry.cert ?? ''));
  if (certificates.length === 0) throw new StoreReadError(path, `holds no certificate (read as ${type})`);
  return certificates;
}

/**
 * A TLS server's key and certificate chain from a keystore: a JKS store through jks-js, a PKCS#12
 * store as it is (OpenSSL reads it natively, as Node's `pfx`), PEM text holding both.
 */
export function readServerCredentials(
  path: string,
  type: StoreType,
  password: string | null,
): tls.SecureContextOptions {
  const bytes = readStore(path);
  if (type === 'PKCS12') {
    try {
      tls.createSecureContext({ pfx: bytes, passphrase: password ?? '' });
    } catch (err) {
      throw new StoreReadError(path, `cannot be read as PKCS12: ${(err as Error).message}`, { cause: err });
    }
    return { pfx: bytes, passphrase: password ?? '' };
  }
  if (type === 'PEM') {
    const text = bytes.toString('utf8');
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) throw new StoreReadError(path, 'holds no PEM private key');
    return { key: text, cert: text };
  }
  const withKey = Object.values(decodeStore(path, bytes, type, password)).find((entry) => entry.key && entry.cert);
  if (!withKey) throw new StoreReadError(path, `holds no private key entry (read as ${type})`);
  return { key: withKey.key!, cert: withKey.cert! };
}

function readStore(path: string): Buffer {
  try {
    return fs.readFileSync(path);
  } catch (err) {
    throw new StoreReadError(path, `cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

function decodeStore(path: string, bytes: Buffer, type: StoreType, password: string | null): jks.JksResult {
  const looksLikeJks = bytes.length >= 4 && bytes.readUInt32BE(0) === 0xfeedfeed;
  if (type === 'JKS' && !looksLikeJks)
    throw new StoreReadError(path, 'is not a JKS store (set truststore-type to PKCS12 or PEM?)');
  if (type === 'PKCS12' && looksLikeJks)
    throw new StoreReadError(path, 'is a JKS store, not PKCS12 (set truststore-type = JKS)');
  try {
    // toPem reads both formats (it probes for PKCS#12 as Java's KeyStore does); the type was checked above.
    return jks.toPem(bytes, password ?? '');
  } catch (err) {
    const reason = (err as Error).message;
    throw new StoreReadError(
      path,
      `cannot be read as ${type}: ${reason}${password === null ? ' (no password given)' : ''}`,
      { cause: err },
    );
  }
}

function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
