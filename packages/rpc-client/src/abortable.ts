import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError } from '@flume-rpc/netty-compat';

/** Waits `ms`, or rejects with AbortError as soon as the signal fires. */
export async function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) {
    if (signal?.aborted) throw new AbortError(signal.reason);
    return;
  }
  try {
    await sleep(ms, undefined, { signal, ref: true });
  } catch (err) {
    if (signal?.aborted) throw new AbortError(signal.reason);
    throw err;
  }
}

/** Settles like `promise`, but rejects with AbortError when the signal fires first (the work goes on). */
export function raceAbort<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new AbortError(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/**
 * Resolves when `promise` settles, `ms` pass or `signal` fires, whichever is first; never rejects.
 * For waits that are allowed to end early, as close() waiting for calls in flight.
 */
export function settleWithin(promise: Promise<unknown>, ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    promise.then(done, done);
  });
}

/** Aborts `force` when `signal` fires before `until` settles (a close given an AbortSignal). */
export function forceOnAbort(signal: AbortSignal, force: AbortController, until: Promise<unknown>): void {
  if (signal.aborted) {
    force.abort(signal.reason);
    return;
  }
  const onAbort = (): void => force.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const detach = (): void => signal.removeEventListener('abort', onAbort);
  until.then(detach, detach);
}
