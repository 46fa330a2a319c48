import { FlumeRpcError, describe } from '@flume-rpc/netty-compat';

export {
  FlumeRpcError,
  AbortError,
  ConnectError,
  ConnectTimeoutError,
  ConnectionClosedError,
  HandshakeError,
  HandshakeTimeoutError,
  ProtocolError,
  RemoteError,
  RequestTimeoutError,
  TlsError,
  type TlsFailure,
} from '@flume-rpc/netty-compat';

/** A configuration key has a value we cannot use; names the key and the value. */
export class ConfigurationError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_CONFIGURATION';
  constructor(
    readonly key: string,
    readonly value: unknown,
    reason: string,
  ) {
    super(`Configuration ${key}=${JSON.stringify(value)}: ${reason}`);
  }
}

/** An event cannot be sent as it is (wrong header or body type); nothing was sent. */
export class EventValidationError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_INVALID_EVENT';
}

/** The server answered a call with a status other than OK. The connection stays up. */
export class StatusError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_STATUS';
  constructor(
    readonly status: string,
    readonly address: string,
    readonly events: number,
  ) {
    super(`Server ${address} answered ${status} for ${events} event(s)`);
  }
}

/**
 * Flume's HTTP source answered a POST with a status other than 200. 503 (the channel is full,
 * nothing committed) is retried like a connect failure, honouring `retryAfterMs`; 400 (the source
 * could not read the request) and every other status are reported at once. `serverMessage` is the
 * source's own text, from its error page.
 */
export class HttpStatusError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_HTTP_STATUS';
  constructor(
    readonly status: number,
    readonly serverMessage: string,
    readonly url: string,
    readonly events: number,
    /** The delay the server asked for (Retry-After), in ms; null when it asked none. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(`HTTP source ${url} answered ${status} for ${events} event(s)${serverMessage ? `: ${serverMessage}` : ''}`);
  }

  /** Nothing was committed and the source may take it later: only 503, as Flume's source answers a full channel. */
  get retryable(): boolean {
    return this.status === 503;
  }
}

/**
 * The client was closed before the call ended. `written` false: the call never reached the wire.
 * `written` true: close was forced (or its close-timeout ran out) after the call was written, so
 * the server may have received the events without the answer reaching us.
 */
export class ClientClosedError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_CLIENT_CLOSED';
  constructor(
    message: string,
    options?: { cause?: unknown },
    readonly written = false,
  ) {
    super(message, options);
  }
}

/** Where a call was when its call-timeout ran out. */
export type CallPhase = 'queued' | 'connecting' | 'awaiting-answer';

const PHASE_TEXT: Record<CallPhase, string> = {
  queued: 'waiting for a free slot (max-inflight)',
  connecting: 'waiting for a connection (connect, handshake, retries and backoff)',
  'awaiting-answer': 'waiting for the answer to the written call',
};

/**
 * The call used up its whole budget (`call-timeout`, or the call's `timeoutMs`): queueing,
 * connecting, handshakes, attempts and backoff together. `phase` says what it was waiting for;
 * `cause` is the last connection failure seen, when there was one.
 */
export class CallTimeoutError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_CALL_TIMEOUT';
  constructor(
    readonly address: string,
    readonly budgetMs: number,
    readonly waitedMs: number,
    readonly phase: CallPhase,
    cause?: FlumeRpcError | null,
  ) {
    super(
      `Call to ${address} gave up after ${waitedMs}ms (call-timeout ${budgetMs}ms), ${PHASE_TEXT[phase]}${cause ? `; last failure: ${cause.message}` : ''}`,
      cause ? { cause } : undefined,
    );
  }
}

/** More calls are waiting than the client allows (max-pending); nothing was sent. */
export class ClientBusyError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_CLIENT_BUSY';
}

/**
 * A list longer than the batch size was split and a later part failed: `acknowledged` events at
 * the front were delivered, the remaining `failed` ones were not (or not confirmed).
 */
export class PartialBatchError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_PARTIAL_BATCH';
  constructor(
    readonly acknowledged: number,
    readonly failed: number,
    cause: FlumeRpcError,
  ) {
    super(`${acknowledged} event(s) acknowledged, then ${failed} failed: ${cause.message}`, { cause });
  }
}

/** A failover or load-balancing client skips a host its agent's metrics say is unhealthy (`health.<alias>`). */
export class HostUnhealthyError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_HOST_UNHEALTHY';
  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(`Host ${host} is unhealthy: ${reason}`);
  }
}

/** Every host a failover or load-balancing call tried failed; `causes` lists each host's error. */
export class AllHostsFailedError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_ALL_HOSTS_FAILED';
  constructor(readonly causes: ReadonlyArray<{ host: string; error: Error }>) {
    super(`All ${causes.length} attempt(s) failed: ${causes.map((c) => `${c.host}: ${c.error.message}`).join('; ')}`);
  }
}

/** Wraps anything thrown into a FlumeRpcError so callers handle one hierarchy. */
export function asFlumeError(err: unknown): FlumeRpcError {
  if (err instanceof FlumeRpcError) return err;
  return new FlumeRpcError(describe(err), { cause: err });
}
