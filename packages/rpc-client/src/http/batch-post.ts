import type { Dispatcher } from 'undici';
import { AbortError } from '@flume-rpc/netty-compat';

/** The source's answer to one POST: its status, the two headers the client reads, and the start of its body. */
export interface HttpAnswer {
  status: number;
  contentType: string | undefined;
  retryAfter: string | undefined;
  /** At most ANSWER_BODY_LIMIT bytes: enough for Jetty's error page, bounded whatever the server sends. */
  body: string;
}

/** Flume's answers are empty (200) or one error page; more than this is not read into memory. */
export const ANSWER_BODY_LIMIT = 16 * 1024;

/**
 * One POST of an encoded batch, on undici's dispatch API: a handler, not a response stream, since
 * the answer is a status and at most an error page. It knows whether the request reached a
 * connection (`written`): before that nothing was sent and the call may be retried; after, the
 * source may have committed the events. An abort settles at once, whatever undici is still doing
 * (a queued or connecting request is then dropped when it reaches a connection).
 */
export class BatchPost implements Dispatcher.DispatchHandler {
  /** The request was handed to a connection: the source may have received it. */
  written = false;
  readonly answer: Promise<HttpAnswer>;
  private resolve!: (answer: HttpAnswer) => void;
  private reject!: (error: unknown) => void;
  private settled = false;
  private cancel: ((error?: Error) => void) | null = null;
  private cancelReason: Error | null = null;
  private status = 0;
  private contentType: string | undefined;
  private retryAfter: string | undefined;
  private readonly chunks: Buffer[] = [];
  private bodyBytes = 0;
  private detachSignal: (() => void) | null = null;

  constructor(signal?: AbortSignal) {
    this.answer = new Promise<HttpAnswer>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    if (signal) {
      if (signal.aborted) this.abort(new AbortError(signal.reason));
      else {
        const onAbort = (): void => this.abort(new AbortError(signal.reason));
        signal.addEventListener('abort', onAbort, { once: true });
        this.detachSignal = () => signal.removeEventListener('abort', onAbort);
      }
    }
  }

  /** Ends the post now with `error`; the request is dropped or its connection cut by undici. */
  abort(error: Error): void {
    this.cancelReason = error;
    this.cancel?.(error);
    this.fail(error);
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.cancelReason) {
      abort(this.cancelReason);
      return;
    }
    this.cancel = abort;
    this.written = true;
  }

  onHeaders(status: number, rawHeaders: Buffer[]): boolean {
    // 1xx (100 Continue) is not the answer.
    if (status < 200) return true;
    this.status = status;
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!.toString('latin1').toLowerCase();
      if (name === 'content-type') this.contentType = rawHeaders[i + 1]!.toString('latin1');
      else if (name === 'retry-after') this.retryAfter = rawHeaders[i + 1]!.toString('latin1');
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.bodyBytes < ANSWER_BODY_LIMIT) {
      const part = chunk.subarray(0, ANSWER_BODY_LIMIT - this.bodyBytes);
      this.chunks.push(part);
      this.bodyBytes += part.length;
    }
    return true;
  }

  onComplete(): void {
    if (this.settled) return;
    this.settled = true;
    this.detachSignal?.();
    this.resolve({
      status: this.status,
      contentType: this.contentType,
      retryAfter: this.retryAfter,
      body: this.chunks.length === 0 ? '' : answerText(Buffer.concat(this.chunks), this.contentType),
    });
  }

  onError(error: Error): void {
    this.fail(error);
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.detachSignal?.();
    this.reject(error);
  }
}

/** Jetty writes its error pages in ISO-8859-1 unless it says otherwise. */
function answerText(bytes: Buffer, contentType: string | undefined): string {
  const charset = /charset=([^;\s]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  return bytes.toString(charset === 'utf-8' || charset === 'utf8' ? 'utf8' : 'latin1');
}
