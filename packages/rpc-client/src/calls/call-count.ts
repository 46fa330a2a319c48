/**
 * Counts calls begun and not yet ended, so close() can wait for exactly those: the calls a
 * client has written (those not written are refused at once instead), or every call a ledger
 * still runs. A count and a list of waiters, no per-call allocation.
 */
export class CallCount {
  private count = 0;
  private waiters: Array<() => void> = [];

  get size(): number {
    return this.count;
  }

  begin(): void {
    this.count += 1;
  }

  end(): void {
    this.count -= 1;
    if (this.count === 0) for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves once no call is left. */
  drained(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
