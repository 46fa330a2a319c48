import { asError } from '@flume-rpc/netty-compat';
import { performance } from 'node:perf_hooks';

/**
 * One client under test. `send` sends one batch and calls `done` once, asynchronously, when the
 * server acknowledged it (null) or the call failed. Callbacks, not promises, so the driver adds no
 * promise of its own on top of each client's native API.
 */
export interface Sender {
  /** Batches acknowledged while the sender was being opened (its handshake carried one, say). */
  readonly setupRequests: number;
  send(done: (error: Error | null) => void): void;
  close(): Promise<void>;
}

export interface ClosedLoopOptions {
  /** Requests kept outstanding: a new one is sent as soon as one completes. */
  inFlight: number;
  /** Run before the window opens, so JIT and socket buffers settle; not counted. */
  warmupMs: number;
  /** Length of the measured window. */
  windowMs: number;
  /** Bound on requests sent in warm-up and window together; the window closes early when reached. */
  maxRequests: number;
  /** Bound on waiting for outstanding requests after the window. */
  drainTimeoutMs: number;
}

export interface ClosedLoopResult {
  /** Requests completed OK inside the window. */
  windowRequests: number;
  /** Actual window length (shorter than asked when the count bound or an error closed it). */
  windowMs: number;
  /** Requests completed OK over the whole run: warm-up, window and drain. */
  acknowledgedRequests: number;
  failedRequests: number;
  stoppedBy: 'time' | 'count' | 'error';
  /** First failure, or a drain timeout; null when the run was clean. */
  error: string | null;
}

type Phase = 'warmup' | 'window' | 'drain' | 'done';

/**
 * Drives `sender` with `inFlight` requests outstanding until the window closes, then waits for
 * the outstanding ones. Any failure stops the run: a broken client must not spin on instant
 * rejections.
 */
export function runClosedLoop(sender: Sender, options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  return new Promise((resolve) => {
    let phase: Phase = 'warmup';
    let issued = 0;
    let outstanding = 0;
    let acknowledged = 0;
    let failed = 0;
    let windowStart = -1;
    let windowEnd = 0;
    let windowRequests = 0;
    let stoppedBy: ClosedLoopResult['stoppedBy'] = 'time';
    let error: string | null = null;
    const timers: NodeJS.Timeout[] = [];

    const finish = (): void => {
      if (phase === 'done') return;
      phase = 'done';
      for (const timer of timers) clearTimeout(timer);
      resolve({
        windowRequests,
        windowMs: windowStart < 0 ? 0 : windowEnd - windowStart,
        acknowledgedRequests: acknowledged,
        failedRequests: failed,
        stoppedBy,
        error,
      });
    };

    const stop = (why: ClosedLoopResult['stoppedBy']): void => {
      if (phase !== 'warmup' && phase !== 'window') return;
      if (phase === 'window') windowEnd = performance.now();
      phase = 'drain';
      stoppedBy = why;
      if (outstanding === 0) {
        finish();
        return;
      }
      timers.push(
        setTimeout(() => {
          error ??= `${outstanding} requests still outstanding ${options.drainTimeoutMs}ms after the window`;
          finish();
        }, options.drainTimeoutMs),
      );
    };

    const onDone = (err: Error | null): void => {
      outstanding -= 1;
      if (err) {
        failed += 1;
        error ??= err.message;
        stop('error');
      } else {
        acknowledged += 1;
        if (phase === 'window') windowRequests += 1;
      }
      if (phase === 'drain' || phase === 'done') {
        if (outstanding === 0) finish();
        return;
      }
      if (issued >= options.maxRequests) {
        stop('count');
        return;
      }
      issue();
    };

    const issue = (): void => {
      issued += 1;
      outstanding += 1;
      try {
        sender.send(onDone);
      } catch (err) {
        // Deferred so a synchronous failure cannot recurse through onDone -> issue.
        queueMicrotask(() => onDone(asError(err)));
      }
    };

    timers.push(
      setTimeout(() => {
        if (phase !== 'warmup') return;
        phase = 'window';
        windowStart = performance.now();
        timers.push(setTimeout(() => stop('time'), options.windowMs));
      }, options.warmupMs),
    );
    for (let i = 0; i < options.inFlight && issued < options.maxRequests; i += 1) issue();
  });
}
