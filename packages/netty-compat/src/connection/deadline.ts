/**
 * A one-shot timer that can be cleared any number of times. Unref'd so a pending timeout never
 * keeps the process alive on its own; the socket it guards does.
 */
export class Deadline {
  private timer: NodeJS.Timeout | null;

  constructor(ms: number, onExpire: () => void) {
    this.timer = setTimeout(() => {
      this.timer = null;
      onExpire();
    }, ms);
    this.timer.unref();
  }

  clear(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
