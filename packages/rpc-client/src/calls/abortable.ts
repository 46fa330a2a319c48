import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError } from '@flume-rpc/netty-compat';
import type { CloseOptions } from '../rpc-client.js';

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

/**
 * Applies a close() call's options to a close in progress (`until`): `force` aborts `force` now,
 * a `signal` aborts it when it fires before the close is over.
 */
export function forceCloseWhen(options: CloseOptions, force: AbortController, until: Promise<unknown>): void {
  const { signal } = options;
  if (options.force || signal?.aborted) {
    force.abort(signal?.reason);
    return;
  }
  if (!signal) return;
  const onAbort = (): void => force.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const detach = (): void => signal.removeEventListener('abort', onAbort);
  until.then(detach, detach);
}
