import { AbortError } from '@flume-rpc/netty-compat';
import { requireInteger } from '../config/config.js';
import { type CallPhase, CallTimeoutError } from '../errors.js';

/**
 * One call's whole budget (`call-timeout`): every wait of the call (a slot, a connection, the
 * answer) is bounded by the same deadline, so a call queued behind a stalled connection ends when
 * its own time is up, not one request timeout after another.
 */
export class CallBudget {
  readonly startedAt = Date.now();
  readonly deadline: number;
  /** What the call waits for now; named in the timeout error. */
  phase: CallPhase = 'queued';
  private controller: AbortController | null = null;
  private timer: NodeJS.Timeout | null = null;
  private detachCaller: (() => void) | null = null;

  constructor(
    readonly budgetMs: number,
    /** Builds the error for a budget that ran out (it names the phase, and the last connection failure). */
    private readonly expire: (budget: CallBudget) => CallTimeoutError,
  ) {
    this.deadline = this.startedAt + budgetMs;
  }

  get remainingMs(): number {
    return this.deadline - Date.now();
  }

  get waitedMs(): number {
    return Date.now() - this.startedAt;
  }

  /** The budget's own timeout error, as of now. */
  spent(): CallTimeoutError {
    return this.expire(this);
  }

  /**
   * A signal for the call's waits: it fires when the caller aborts or the budget runs out. Made
   * on first use, so a call that finds a free slot and a ready connection costs no timer.
   */
  signal(caller?: AbortSignal): AbortSignal {
    if (this.controller) return this.controller.signal;
    const controller = new AbortController();
    this.controller = controller;
    if (caller?.aborted) controller.abort(caller.reason);
    else if (caller) {
      const onAbort = (): void => controller.abort(caller.reason);
      caller.addEventListener('abort', onAbort, { once: true });
      this.detachCaller = () => caller.removeEventListener('abort', onAbort);
    }
    const remaining = this.remainingMs;
    if (remaining <= 0) controller.abort(this.spent());
    else if (!controller.signal.aborted) {
      this.timer = setTimeout(() => controller.abort(this.spent()), remaining);
      // The call's socket or server keeps the process alive; a waiting call's timer need not.
      this.timer.unref();
    }
    return controller.signal;
  }

  /** A wait cut by the budget surfaces as the budget's CallTimeoutError; anything else as it is. */
  explain(err: unknown): unknown {
    return err instanceof AbortError && err.cause instanceof CallTimeoutError ? err.cause : err;
  }

  /** Releases the timer and the caller's signal listener; the call is over. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.detachCaller?.();
    this.detachCaller = null;
  }
}

/** A call's budget: its own `timeoutMs` when given (checked like the call-timeout key), else the client's call-timeout. */
export function callBudgetMs(timeoutMs: number | undefined, callTimeoutMs: number): number {
  return timeoutMs === undefined ? callTimeoutMs : requireInteger('timeoutMs', timeoutMs, 1);
}
