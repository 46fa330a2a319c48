/**
 * Shared by the HTTP transport's tests: a Flume HTTP source closed in teardown, an HttpRpcClient
 * with test-sized timeouts, and an event log like the Avro tests' recordEvents.
 */
import type { Test } from 'tap';
import { type ConnectionOptions, HttpRpcClient } from '@flume-rpc/rpc-client';
import { type HttpSource, type HttpSourceOptions, startHttpSource } from '../fixtures/index.js';

/** As FAST_OPTIONS for Avro, without the handshake timeout the HTTP transport refuses. */
export const FAST_HTTP: Readonly<Partial<ConnectionOptions>> = Object.freeze({
  connectTimeoutMs: 1000,
  requestTimeoutMs: 1000,
  maxRetries: 2,
  retryBackoffInitialMs: 10,
  retryBackoffMaxMs: 40,
});

/** A Flume HTTP source stand-in on 127.0.0.1, closed in teardown. */
export async function startSource(t: Test, options: HttpSourceOptions = {}): Promise<HttpSource> {
  const source = await startHttpSource(options);
  t.teardown(() => source.close());
  return source;
}

/** An HttpRpcClient to `url` with FAST_HTTP plus `options`; closed in teardown. */
export function httpClient(t: Test, url: string, options: Partial<ConnectionOptions> = {}): HttpRpcClient {
  const client = new HttpRpcClient({ url, ...FAST_HTTP, ...options });
  t.teardown(() => client.close({ force: true }));
  return client;
}

/** The client's events as short strings, in order: `state:<new>`, `connect`, `ready`, `retry:<n>:<ms>`, `disconnect`, `error:<Class>`. */
export function recordHttpEvents(client: HttpRpcClient): string[] {
  const log: string[] = [];
  client.on('state', (state) => log.push(`state:${state}`));
  client.on('connect', () => log.push('connect'));
  client.on('handshake', () => log.push('handshake'));
  client.on('ready', () => log.push('ready'));
  client.on('retry', (info) => log.push(`retry:${info.attempt}`));
  client.on('disconnect', () => log.push('disconnect'));
  client.on('error', (error) => log.push(`error:${error.constructor.name}`));
  return log;
}

/** Text events `${prefix}0` ... with a header naming their index. */
export function textEvents(n: number, prefix = 'e'): Array<{ headers: Record<string, string>; body: Buffer }> {
  return Array.from({ length: n }, (_, i) => ({ headers: { i: String(i) }, body: Buffer.from(`${prefix}${i}`) }));
}
