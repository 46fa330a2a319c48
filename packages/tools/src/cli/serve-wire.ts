import { readFileSync } from 'node:fs';
import type tls from 'node:tls';
import {
  type LayerOrder,
  StoreReadError,
  parseStoreType,
  readServerCredentials,
  describe,
} from '@flume-rpc/netty-compat';
import { UsageError } from './usage-error.js';

/** The serve flags that shape the socket stack, named after Flume's Avro source keys. */
export interface ServeWireFlags {
  sslKey?: string;
  sslCert?: string;
  keystore?: string;
  keystorePassword?: string;
  keystoreType?: string;
  compressionType?: string;
  compressionLevel?: number;
  wireLayerOrder?: string;
}

export interface ServeWire {
  tls: tls.SecureContextOptions | null;
  compressionLevel: number | null;
  layerOrder: LayerOrder;
}

/** Checks the flags as Flume's source checks its keys: a TLS setting either takes effect or serve refuses to start. */
export function serveWire(flags: ServeWireFlags): ServeWire {
  const compression = (flags.compressionType ?? 'none').toLowerCase();
  if (compression !== 'none' && compression !== 'deflate')
    throw new UsageError(`--compression-type must be none or deflate, not ${flags.compressionType}`);
  if (flags.compressionLevel !== undefined && compression !== 'deflate')
    throw new UsageError('--compression-level needs --compression-type deflate');
  const order = flags.wireLayerOrder ?? 'zlib-outside';
  if (order !== 'zlib-outside' && order !== 'tls-outside')
    throw new UsageError(`--wire-layer-order must be zlib-outside or tls-outside, not ${order}`);
  return {
    tls: serverTls(flags),
    compressionLevel: compression === 'deflate' ? (flags.compressionLevel ?? 6) : null,
    layerOrder: order,
  };
}

function serverTls(flags: ServeWireFlags): tls.SecureContextOptions | null {
  const pem = flags.sslKey !== undefined || flags.sslCert !== undefined;
  if (pem && flags.keystore !== undefined) throw new UsageError('give --ssl-key/--ssl-cert or --keystore, not both');
  if (pem) {
    if (flags.sslKey === undefined || flags.sslCert === undefined)
      throw new UsageError('--ssl-key and --ssl-cert go together');
    return { key: readText(flags.sslKey, '--ssl-key'), cert: readText(flags.sslCert, '--ssl-cert') };
  }
  if (flags.keystore === undefined) {
    if (flags.keystorePassword !== undefined || flags.keystoreType !== undefined)
      throw new UsageError('--keystore-password and --keystore-type need --keystore');
    return null;
  }
  const type = parseStoreType(flags.keystoreType ?? 'JKS');
  if (type === null) throw new UsageError(`--keystore-type must be JKS, PKCS12 or PEM, not ${flags.keystoreType}`);
  try {
    return readServerCredentials(flags.keystore, type, flags.keystorePassword ?? null);
  } catch (err) {
    if (err instanceof StoreReadError) throw new UsageError(`--keystore ${err.message}`);
    throw err;
  }
}

function readText(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${flag} ${file} cannot be read: ${describe(err)}`);
  }
}
