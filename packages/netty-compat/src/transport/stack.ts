import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { ClientWireOptions, LayerOrder, ServerWireOptions } from './wire-options.js';
import { ZlibLayer } from './zlib-layer.js';

/** The layer an error came from, so the connection can name the cause (refused, certificate, not zlib...). */
export type LayerName = 'tcp' | 'tls' | 'zlib';

export interface LinkHandlers {
  /** Every layer is up: TCP connected and, with TLS, the TLS handshake done. Frames may flow. */
  up(): void;
  /** The first error of any layer; the link is unusable after it. */
  error(error: Error, layer: LayerName): void;
}

/**
 * One connection's socket stack, built in one place from the wire options: TCP at the bottom,
 * then TLS and zlib in Flume's order, frames on top (`stream`). Each layer is its own module;
 * this file only stacks them.
 */
export interface Link {
  readonly wire: ClientWireOptions;
  /** Frames are written to and read from this stream. */
  readonly stream: Duplex;
  readonly tcp: net.Socket;
  /** Tears down every layer at once. */
  destroy(): void;
}

export function connectLink(host: string, port: number, wire: ClientWireOptions, handlers: LinkHandlers): Link {
  const tcp = net.connect({ host, port, noDelay: true });
  const fail = firstError((error, layer) => handlers.error(error, layer));
  const stream = stackLayers(
    tcp,
    wire.compressionLevel,
    wire.layerOrder,
    fail,
    wire.tls &&
      ((inner) => {
        const secure = tls.connect({ ...wire.tls, socket: inner });
        secure.once('secureConnect', () => handlers.up());
        return secure;
      }),
  );
  if (!wire.tls) tcp.once('connect', () => handlers.up());
  return {
    wire,
    stream,
    tcp,
    destroy() {
      stream.destroy();
      tcp.destroy();
    },
  };
}

/**
 * Builds a server connection's stack on an accepted socket, in the same order as a client's, and
 * returns its top; `onError` gets the first error of any layer.
 */
export function acceptLink(
  tcp: net.Socket,
  wire: ServerWireOptions,
  onError: (error: Error, layer: LayerName) => void,
): Duplex {
  tcp.setNoDelay(true);
  const context = wire.tls;
  const wrapTls = context && ((inner: Duplex) => new tls.TLSSocket(inner, { isServer: true, secureContext: context }));
  return stackLayers(tcp, wire.compressionLevel, wire.layerOrder, firstError(onError), wrapTls);
}

type LayerFailure = (layer: LayerName) => (error: Error) => void;

/** Reports only the first error: one failure echoes up through every layer above it. */
function firstError(report: (error: Error, layer: LayerName) => void): LayerFailure {
  let failed = false;
  return (layer) => (error) => {
    if (failed) return;
    failed = true;
    report(error, layer);
  };
}

/** zlib nearest the socket unless TLS is asked to sit outside it (Flume 1.9 and earlier). */
function stackLayers(
  tcp: net.Socket,
  compressionLevel: number | null,
  order: LayerOrder,
  fail: LayerFailure,
  wrapTls: ((inner: Duplex) => Duplex) | null,
): Duplex {
  tcp.on('error', fail('tcp'));
  let stream: Duplex = tcp;
  const addZlib = (): void => {
    stream = new ZlibLayer(stream, compressionLevel!);
    stream.on('error', fail('zlib'));
  };
  if (compressionLevel !== null && (!wrapTls || order === 'zlib-outside')) addZlib();
  if (wrapTls) {
    stream = wrapTls(stream);
    stream.on('error', fail('tls'));
    if (compressionLevel !== null && order === 'tls-outside') addZlib();
  }
  return stream;
}
