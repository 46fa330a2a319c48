import {
  ConnectError,
  ConnectionClosedError,
  FlumeRpcError,
  ProtocolError,
  TlsError,
  type TlsFailure,
  describe,
} from '../errors.js';
import type { ConnectionState } from '../connection/connection-state.js';
import type { LayerName } from './stack.js';
import { type ClientWireOptions, describeWire } from './wire-options.js';

/** Node's (OpenSSL's) error codes, grouped by what a user has to change. */
const TLS_FAILURES: ReadonlyArray<[TlsFailure, RegExp]> = [
  ['expired', /^(CERT_HAS_EXPIRED|CERT_NOT_YET_VALID)$/],
  ['hostname', /^ERR_TLS_CERT_ALTNAME_INVALID$/],
  [
    'untrusted',
    /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE|ERR_SSL_TLSV1_ALERT_UNKNOWN_CA)$/,
  ],
  [
    'not-tls',
    /^(ERR_SSL_WRONG_VERSION_NUMBER|ERR_SSL_PACKET_LENGTH_TOO_LONG|ERR_SSL_HTTP_REQUEST|ERR_SSL_RECORD_LAYER_FAILURE)$/,
  ],
  ['protocol', /PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|VERSION_TOO_LOW|VERSION_TOO_HIGH/],
  ['cipher', /HANDSHAKE_FAILURE|NO_SHARED_CIPHER|NO_CIPHERS_AVAILABLE|NO_CIPHER_MATCH/],
  ['closed', /^(ECONNRESET|EPIPE)$/],
];

export function classifyTlsFailure(error: Error): TlsFailure {
  const code = String((error as NodeJS.ErrnoException).code ?? '');
  for (const [failure, pattern] of TLS_FAILURES) if (pattern.test(code)) return failure;
  return /socket disconnected|socket hang up|peer closed/i.test(error.message) ? 'closed' : 'other';
}

/** What to try, for failures that usually mean the two ends are not configured alike. */
function tlsHint(failure: TlsFailure, wire: ClientWireOptions): string {
  const order =
    wire.compressionLevel !== null ? ', or it runs Flume 1.9 or earlier and wants wire-layer-order = tls-outside' : '';
  switch (failure) {
    case 'not-tls':
      return `the agent does not answer in TLS: is ssl = true on its Avro source${order}?`;
    case 'closed':
      return `the agent closed the connection during the TLS handshake: it may not use ssl, or refuse our protocols or cipher suites${order}`;
    case 'untrusted':
      return 'the server certificate is not signed by a CA in the truststore';
    case 'hostname':
      return 'the server certificate does not name this host; ssl-verify-hostname = false turns this check off alone';
    default:
      return '';
  }
}

/**
 * The typed error for a failure of one layer of a client connection. `connected` says whether
 * every layer was up: before that, a failure is a connect failure (retried, failed over).
 */
export function clientLinkError(
  address: string,
  error: Error,
  layer: LayerName,
  connected: boolean,
  wire: ClientWireOptions,
): FlumeRpcError {
  if (layer === 'tls' && !connected) {
    const failure = classifyTlsFailure(error);
    return new TlsError(address, failure, error, tlsHint(failure, wire));
  }
  if (layer === 'zlib') {
    return new ProtocolError(
      `${address}: ${error.message}: the agent does not compress with deflate${wire.tls ? ' at this layer (check wire-layer-order)' : ''}; compression-type must match the agent's`,
      { cause: error },
    );
  }
  if (!connected) return new ConnectError(address, error);
  return new ConnectionClosedError(`Connection to ${address} (${describeWire(wire)}) failed: ${describe(error)}`, {
    cause: error,
  });
}

/**
 * What the first bytes of a peer that broke the framing look like, when they are another layer
 * of Flume's stack: a hint for the error, since a mismatch otherwise reads as garbage frames.
 */
function foreignLayerHint(firstBytes: Buffer): string | null {
  if (firstBytes.length >= 3 && firstBytes[0] === 0x16 && firstBytes[1] === 0x03)
    return 'the peer speaks TLS: ssl settings differ';
  if (firstBytes.length >= 2 && (firstBytes[0]! & 0x0f) === 8 && ((firstBytes[0]! << 8) | firstBytes[1]!) % 31 === 0) {
    return 'the peer sends a zlib stream: compression-type settings differ';
  }
  return null;
}

/**
 * The peer closed the connection. Before every layer was up that is the layer's failure (TLS);
 * before the Avro handshake completed it usually means the two ends' stacks differ.
 */
export function peerClosedError(address: string, state: ConnectionState, wire: ClientWireOptions): FlumeRpcError {
  if (state === 'connecting')
    return clientLinkError(address, new Error('the peer closed the connection'), wire.tls ? 'tls' : 'tcp', false, wire);
  const during = state === 'ready' ? '' : ` before the handshake completed (${handshakeMismatchHint(wire)})`;
  return new ConnectionClosedError(`Connection to ${address} closed by the peer${during}`);
}

/**
 * Bytes from `peer` that broke the framing; `firstChunk` (the peer's first bytes, when nothing was
 * decoded before) may show it speaks another layer of Flume's stack.
 */
export function undecodableBytesError(peer: string, error: unknown, firstChunk: Buffer | null): FlumeRpcError {
  const hint = firstChunk ? foreignLayerHint(firstChunk) : null;
  if (hint) return new ProtocolError(`${peer} sent bytes that are not Avro frames: ${hint}`, { cause: error });
  return error instanceof FlumeRpcError ? error : new ProtocolError(describe(error), { cause: error });
}

/** A failure below the frames on an accepted connection, typed as the client side types it. */
export function serverLinkError(remoteAddress: string, error: Error, layer: LayerName): FlumeRpcError {
  if (layer === 'tls')
    return new TlsError(remoteAddress, classifyTlsFailure(error), error, 'the client did not complete a TLS handshake');
  if (layer === 'zlib')
    return new ProtocolError(`Client ${remoteAddress}: ${error.message} (compression-type differs?)`, { cause: error });
  return new ConnectionClosedError(`Connection from ${remoteAddress} failed: ${describe(error)}`, { cause: error });
}

/** The hint appended when a peer closes or stalls before the Avro handshake completed. */
function handshakeMismatchHint(wire: ClientWireOptions): string {
  const order =
    wire.tls && wire.compressionLevel !== null
      ? `; with both, wire-layer-order must match the agent's Flume version (${wire.layerOrder})`
      : '';
  return `if the agent uses ssl or compression-type = deflate, this client must too (this client: ${describeWire(wire)})${order}`;
}
