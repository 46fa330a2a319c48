import {
  ConnectError,
  ConnectTimeoutError,
  ConnectionClosedError,
  FlumeRpcError,
  RequestTimeoutError,
  TlsError,
  classifyTlsFailure,
  describe,
} from '@flume-rpc/netty-compat';
import { HttpStatusError } from '../errors.js';

/** Codes of a connect that never got as far as a connection: nothing was sent. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ECONNRESET',
]);

/** What one failed POST tells the client: a typed error, and whether a retry on this host may follow. */
export interface PostFailure {
  error: FlumeRpcError;
  /** Nothing was committed: a refused or timed-out connect, or a 503. */
  retryable: boolean;
}

/**
 * Names an undici failure in this SDK's terms. Before the request reached a connection (`written`
 * false) every failure is a connect failure, retried like one; after, the source may have
 * committed the events, so the failure is reported, as the Avro client reports a lost answer.
 */
export function postFailure(
  err: unknown,
  address: string,
  written: boolean,
  timeouts: { connectTimeoutMs: number; requestTimeoutMs: number; tls: boolean },
): PostFailure {
  if (err instanceof HttpStatusError) return { error: err, retryable: err.retryable };
  if (err instanceof FlumeRpcError) return { error: err, retryable: false };
  const error = err instanceof Error ? err : new Error(describe(err));
  const code = String((error as NodeJS.ErrnoException).code ?? '');
  if (code === 'UND_ERR_CONNECT_TIMEOUT')
    return { error: new ConnectTimeoutError(address, timeouts.connectTimeoutMs), retryable: true };
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
    return { error: new RequestTimeoutError(address, 'POST', timeouts.requestTimeoutMs), retryable: false };
  if (!written) {
    const failure = classifyTlsFailure(error);
    // Over https a connection dropped before TLS was up is the TLS handshake's failure (most often a plaintext source).
    const tlsFailed =
      timeouts.tls &&
      failure !== 'other' &&
      (failure === 'closed' || !CONNECT_CODES.has(code)) &&
      code !== 'ECONNREFUSED';
    if (tlsFailed) return { error: new TlsError(address, failure, error, tlsHint(failure)), retryable: true };
    return { error: new ConnectError(address, error), retryable: true };
  }
  return {
    error: new ConnectionClosedError(
      `Connection to ${address} failed before the HTTP source answered: ${describe(error)}; the events may have been delivered`,
      { cause: error },
    ),
    retryable: false,
  };
}

function tlsHint(failure: ReturnType<typeof classifyTlsFailure>): string {
  switch (failure) {
    case 'untrusted':
      return 'the server certificate is not signed by a CA in the truststore';
    case 'hostname':
      return 'the server certificate does not name this host; ssl-verify-hostname = false turns this check off alone';
    case 'not-tls':
      return 'the source does not answer in TLS: use http:// or turn on its ssl';
    case 'closed':
      return 'the source closed the connection during the TLS handshake: it may not use TLS (http://), or refuse our protocols or cipher suites';
    default:
      return '';
  }
}
