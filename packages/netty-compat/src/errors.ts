/**
 * One error class per failure, each with a stable `code`: callers switch on the class or the code,
 * never on the message.
 */
export class FlumeRpcError extends Error {
  readonly code: string = 'FLUME_RPC_ERROR';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The peer sent bytes that are not a valid frame, handshake or call, or that exceed a limit. */
export class ProtocolError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_PROTOCOL';
}

/** TCP connect did not complete within the connect timeout. */
export class ConnectTimeoutError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_CONNECT_TIMEOUT';
  constructor(
    readonly address: string,
    readonly timeoutMs: number,
  ) {
    super(`Connect to ${address} timed out after ${timeoutMs}ms`);
  }
}

/** TCP connect failed (refused, unreachable, ...). */
export class ConnectError extends FlumeRpcError {
  override readonly code: string = 'FLUME_RPC_CONNECT';
  constructor(
    readonly address: string,
    cause: unknown,
    detail = describe(cause),
  ) {
    super(`Connect to ${address} failed: ${detail}`, { cause });
  }
}

/** Why a TLS connection could not be set up; `cause` carries Node's own error. */
export type TlsFailure = 'untrusted' | 'expired' | 'hostname' | 'protocol' | 'cipher' | 'not-tls' | 'closed' | 'other';

/**
 * The TLS layer failed while connecting (unknown CA, expired or misnamed certificate, refused
 * protocol or cipher, a plaintext peer). A ConnectError, so retries and failover treat it as one;
 * the client never falls back to plaintext.
 */
export class TlsError extends ConnectError {
  override readonly code: string = 'FLUME_RPC_TLS';
  constructor(
    address: string,
    readonly reason: TlsFailure,
    cause: unknown,
    hint: string,
  ) {
    super(
      address,
      cause,
      `TLS ${reason === 'other' ? 'error' : reason}: ${describe(cause)}${hint ? ` (${hint})` : ''}`,
    );
  }
}

/** The Avro handshake did not complete within the handshake timeout. */
export class HandshakeTimeoutError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_HANDSHAKE_TIMEOUT';
  constructor(
    readonly address: string,
    readonly timeoutMs: number,
  ) {
    super(`Handshake with ${address} timed out after ${timeoutMs}ms`);
  }
}

/** The server rejected the handshake or answered it in a way the protocol does not allow. */
export class HandshakeError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_HANDSHAKE';
}

/** A written request got no response within the request timeout. */
export class RequestTimeoutError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_REQUEST_TIMEOUT';
  constructor(
    readonly address: string,
    readonly messageName: string,
    readonly timeoutMs: number,
  ) {
    super(`Request ${messageName} to ${address} timed out after ${timeoutMs}ms`);
  }
}

/** The connection closed (or was closed) while the request was pending or before it was sent. */
export class ConnectionClosedError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_CONNECTION_CLOSED';
}

/** The server answered the call with an Avro error; `remoteMessage` is the server's own text. */
export class RemoteError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_REMOTE';
  constructor(
    readonly messageName: string,
    readonly remoteMessage: string,
  ) {
    super(`Server failed ${messageName}: ${remoteMessage}`);
  }
}

/** The caller's AbortSignal fired before the call completed. */
export class AbortError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_ABORTED';
  constructor(reason?: unknown) {
    super(`Call aborted${reason === undefined ? '' : `: ${describe(reason)}`}`, { cause: reason });
  }
}

export function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}

/** A thrown or rejected value as an Error, so callbacks that take an Error get one whatever was thrown. */
export function asError(cause: unknown): Error {
  return cause instanceof Error ? cause : new Error(String(cause));
}
