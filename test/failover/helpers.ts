/**
 * Shared by the failover and load-balancing tests: servers on 127.0.0.1 port 0 closed in
 * teardown, host lists for them, short timeouts, a fake clock, and bounded waits.
 */
import type { Test } from 'tap';
import { AvroSourceServer, type AvroSourceServerOptions } from '@flume-rpc/netty-compat';
import { type ConnectionOptions, type Event, EventBuilder, type HostAddress } from '@flume-rpc/rpc-client';
import { closedPort, within } from '../fixtures/sockets.js';

export const LOOPBACK = '127.0.0.1';
/** Upper bound for "at once" on a loaded 2-core box running test files in parallel. */
export const SLACK_MS = 2000;

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

export async function startServers(t: Test, count: number, options: AvroSourceServerOptions = {}): Promise<AvroSourceServer[]> {
  const servers: AvroSourceServer[] = [];
  for (let i = 0; i < count; i += 1) {
    const server = new AvroSourceServer(options);
    t.teardown(() => server.close());
    await server.listen(0, LOOPBACK);
    servers.push(server);
  }
  return servers;
}

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

/** A clock the test moves by hand. */
export class FakeClock {
  constructor(public time = 1_000_000) {}
  readonly now = (): number => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}



/** The rejection of `promise` (fails loudly if it resolves). */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail, it succeeded');
}

interface Emitter {
  once(event: string, listener: (...args: any[]) => void): unknown;
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
}

/** The arguments of the next `name` event, or a rejection after `ms`. */
export function nextEvent<A extends unknown[]>(emitter: Emitter, name: string, ms = SLACK_MS): Promise<A> {
  let listener: (...args: any[]) => void = () => undefined;
  const fired = new Promise<A>((resolve) => {
    listener = (...args: unknown[]) => resolve(args as A);
    emitter.once(name, listener);
  });
  return within(fired, ms, `event '${name}'`).finally(() => emitter.removeListener(name, listener));
}

/** Resolves once the clock time `at` (Date.now) has passed. */
export function until(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now() + 1)));
}

export { closedPort, within };
