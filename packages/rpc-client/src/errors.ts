import { FlumeRpcError } from '@flume-rpc/netty-compat';

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

/** The client was closed; the call was not sent. */
export class ClientClosedError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_CLIENT_CLOSED';
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
  return new FlumeRpcError(err instanceof Error ? err.message : String(err), { cause: err });
}
