/**
 * One agent's monitoring endpoint over HTTP: GET the /metrics document, bounded in time (the
 * caller's AbortSignal, plus undici's own connect/headers/body timeouts) and in size. One undici
 * Pool with a single connection per endpoint, so a fetcher never opens more than one socket.
 */
import { FlumeRpcError, describe } from '@flume-rpc/netty-compat';
import { Pool, errors } from 'undici';
import { MetricsFormatError } from './metrics-reading.js';

/** The /metrics request failed: transport error, timeout, non-200 answer or an oversized body. */
export class MetricsRequestError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_METRICS_REQUEST';
}

/** How much of a non-200 answer is read and discarded to keep the connection; more drops it. */
const ERROR_PAGE_BYTES = 64 * 1024;

export interface MetricsFetcherOptions {
  /** The full URL of the document, e.g. http://agent:41414/metrics. */
  url: string;
  timeoutMs: number;
  /** A larger body fails the request; undici stops reading and drops the connection. */
  maxBodyBytes: number;
}

export class MetricsFetcher {
  private readonly pool: Pool;
  private readonly path: string;

  constructor(private readonly options: MetricsFetcherOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new RangeError(`Metrics URL must be http or https, got ${options.url}`);
    }
    this.path = `${url.pathname}${url.search}`;
    this.pool = new Pool(url.origin, {
      connections: 1,
      pipelining: 1,
      connectTimeout: options.timeoutMs,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      // Enforced by the HTTP parser as bytes arrive (and so before a lying Content-Length matters).
      maxResponseSize: options.maxBodyBytes,
    });
  }

  /**
   * The parsed JSON document. Rejects with MetricsRequestError, MetricsFormatError (not JSON), or
   * the signal's reason when `signal` aborts first (the caller's own timeout or stop).
   */
  async fetch(signal: AbortSignal): Promise<unknown> {
    const text = await this.fetchText(signal);
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new MetricsFormatError(`GET ${this.options.url} answered invalid JSON: ${describe(error)}`);
    }
  }

  /** Drops the connection at once (an in-flight request fails); never waits for the server. */
  destroy(): Promise<void> {
    return this.pool.destroy();
  }

  private async fetchText(signal: AbortSignal): Promise<string> {
    try {
      const { statusCode, body } = await this.pool.request({
        path: this.path,
        method: 'GET',
        headers: { accept: 'application/json' },
        signal,
      });
      if (statusCode !== 200) {
        // Read past (a small error page keeps the connection reusable; dump() drops a larger one). Not
        // body.destroy(): undici then emits an 'error' on the body that nobody listens to.
        await body.dump({ limit: ERROR_PAGE_BYTES, signal }).catch(() => undefined);
        throw new MetricsRequestError(`GET ${this.options.url} answered HTTP ${statusCode}`);
      }
      return await body.text();
    } catch (error) {
      throw this.explain(error, signal);
    }
  }

  private explain(error: unknown, signal: AbortSignal): unknown {
    if (signal.aborted) return signal.reason;
    if (error instanceof FlumeRpcError) return error;
    if (error instanceof errors.ResponseExceededMaxSizeError) {
      return new MetricsRequestError(
        `GET ${this.options.url} answered a body over ${this.options.maxBodyBytes} bytes; not read further`,
        { cause: error },
      );
    }
    return new MetricsRequestError(`GET ${this.options.url} failed: ${describeTransportError(error)}`, {
      cause: error,
    });
  }
}

/** undici's errors say little ("fetch failed", "other side closed"); the code and cause add what happened. */
function describeTransportError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const named = typeof code === 'string' && !error.message.includes(code) ? ` (${code})` : '';
  return `${error.message}${named}${cause}`;
}
