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
