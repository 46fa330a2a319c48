import type tls from 'node:tls';

/**
 * Where the zlib layer sits relative to TLS when both are on. Flume 1.10 and later (Netty 4) add
 * the zlib handlers nearest the socket, so the wire is zlib(TLS(frames)); Flume 1.9 and earlier
 * (Netty 3) put TLS outside: TLS(zlib(frames)). The two cannot talk to each other.
 */
export type LayerOrder = 'zlib-outside' | 'tls-outside';

/** The socket stack of one client connection, below the Netty frames. */
export interface ClientWireOptions {
  /** zlib level (0-9) for Flume's `compression-type = deflate`; null: no compression. */
  compressionLevel: number | null;
  /** Node's TLS options (CAs, verification, protocols, ciphers, SNI); null: plaintext TCP. */
  tls: tls.ConnectionOptions | null;
  layerOrder: LayerOrder;
}

/** The socket stack of every connection a server accepts. */
export interface ServerWireOptions {
  compressionLevel: number | null;
  /** Built once from the server's key and certificate; null: plaintext TCP. */
  tls: tls.SecureContext | null;
  layerOrder: LayerOrder;
}

export const PLAIN_CLIENT_WIRE: Readonly<ClientWireOptions> = Object.freeze({
  compressionLevel: null,
  tls: null,
  layerOrder: 'zlib-outside',
});
export const PLAIN_SERVER_WIRE: Readonly<ServerWireOptions> = Object.freeze({
  compressionLevel: null,
  tls: null,
  layerOrder: 'zlib-outside',
});

/** How the stack is described in errors and logs: `tcp`, `tls`, `zlib`, `zlib+tls` (outermost first). */
export function describeWire(wire: { compressionLevel: number | null; tls: unknown; layerOrder: LayerOrder }): string {
  const layers: string[] = [];
  if (wire.tls) layers.push('tls');
  if (wire.compressionLevel !== null) {
    if (wire.layerOrder === 'zlib-outside') layers.unshift('zlib');
    else layers.push('zlib');
  }
  return layers.length === 0 ? 'tcp' : layers.join('+');
}
