/**
 * Shared by the failover and load-balancing tests: host lists for servers started with
 * ../fixtures' startAvroSources, short timeouts for multi-host clients, and events.
 */
import type { AvroSourceServer } from '@flume-rpc/netty-compat';
import { type ConnectionOptions, type Event, EventBuilder, type HostAddress } from '@flume-rpc/rpc-client';
import { LOOPBACK } from '../fixtures/index.js';

/**
 * Timeouts for the tests: far below Flume's 20 s, but long enough that a healthy host on a loaded
 * 2-core box (parallel test jobs) never times out. Dead hosts in these tests refuse connections,
 * which costs nothing; tests that need a host to time out set their own.
 */
export const FAST: Partial<ConnectionOptions> = {
  connectTimeoutMs: 1000,
  handshakeTimeoutMs: 1000,
  requestTimeoutMs: 2000,
};

/** h1, h2, ... for the servers, in order. */
export function hostsOf(servers: ReadonlyArray<{ port: number }>): HostAddress[] {
  return servers.map((server, i) => ({ alias: `h${i + 1}`, host: LOOPBACK, port: server.port }));
}

/** Properties naming the servers as h1, h2, ... */
export function hostProperties(servers: ReadonlyArray<{ port: number }>): Record<string, string> {
  const props: Record<string, string> = { hosts: servers.map((_, i) => `h${i + 1}`).join(' ') };
  servers.forEach((server, i) => {
    props[`hosts.h${i + 1}`] = `${LOOPBACK}:${server.port}`;
  });
  return props;
}

export function acked(servers: readonly AvroSourceServer[]): number[] {
  return servers.map((server) => server.stats.eventsAcknowledged);
}

export function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

export function event(i: number | string): Event {
  return EventBuilder.withBody(`event ${i}`, { seq: String(i) });
}

export function batch(size: number, tag = 'b'): Event[] {
  return Array.from({ length: size }, (_, i) => EventBuilder.withBody(`${tag}-${i}`));
}
