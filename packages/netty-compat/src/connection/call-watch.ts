import { AbortError, type FlumeRpcError } from '../errors.js';
import type { CallDeadlines } from './call-deadlines.js';
import type { PendingCall } from './pending-calls.js';

/** Gives up on one call without touching the connection (the connection's own, bound once). */
export type Abandon = (call: PendingCall, error: FlumeRpcError) => void;

/**
 * Starts a call's request timeout. It runs while the call waits for a congested socket too, so
 * none waits forever; on expiry the call alone fails with RequestTimeoutError.
 */
export function startRequestDeadline(call: PendingCall, deadlines: CallDeadlines): void {
  call.expiresAt = deadlines.start(call.timeoutMs);
}

/** Gives up on the call with AbortError when `signal` aborts. */
export function watchAbort(call: PendingCall, signal: AbortSignal, abandon: Abandon): void {
  const onAbort = (): void => abandon(call, new AbortError(signal.reason));
  signal.addEventListener('abort', onAbort, { once: true });
  call.detachSignal = () => signal.removeEventListener('abort', onAbort);
}

/** Stops the call's abort listener, once it settles (its deadline is a number the sweep no longer sees). */
export function unwatch(call: PendingCall): void {
  call.detachSignal?.();
  call.detachSignal = null;
}
