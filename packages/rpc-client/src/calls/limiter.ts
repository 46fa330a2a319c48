import { AbortError } from '@flume-rpc/netty-compat';
import { ClientBusyError } from '../errors.js';

/**
 * Bounds calls in flight on a connection (`max-inflight`) and calls waiting for a slot
 * (`max-pending`): past both, a call is refused at once instead of queueing without bound.
 * Waiters are served in arrival order, so batches keep their order.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiters: Array<{ grant: () => void; refuse: (error: Error) => void }> = [];

  constructor(
    private readonly maxActive: number,
    private readonly maxWaiting: number,
  ) {}

  get inUse(): number {
    return this.active;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** A slot now, without waiting (null when none is free or others wait first). */
  tryAcquire(): (() => void) | null {
    if (this.active >= this.maxActive || this.waiters.length > 0) return null;
    this.active += 1;
    return this.releaser();
  }

  /** Every waiting caller is refused with `error` (the client closes); slots in use are not touched. */
  rejectWaiting(error: Error): void {
    for (const waiter of this.waiters.splice(0)) waiter.refuse(error);
  }

  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));
    const now = this.tryAcquire();
    if (now) return Promise.resolve(now);
    if (this.waiters.length >= this.maxWaiting) {
      return Promise.reject(
        new ClientBusyError(`${this.maxWaiting} calls already wait for one of ${this.maxActive} slots (max-pending)`),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: (): void => {
          signal?.removeEventListener('abort', onAbort);
          this.active += 1;
          resolve(this.releaser());
        },
        refuse: (error: Error): void => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new AbortError(signal?.reason));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      this.waiters.shift()?.grant();
    };
  }
}
