/**
 * Shared by the TLS and compression tests: servers with a given socket stack, a byte-recording
 * TCP proxy (to see what actually crosses the wire), and clients made from Flume properties.
 */
import net from 'node:net';
import type { Test } from 'tap';
import type { AvroSourceServer, AvroSourceServerOptions } from '@flume-rpc/netty-compat';
import { type Event, EventBuilder, type FlumeRpcError, type RpcClient, RpcClientFactory } from '@flume-rpc/rpc-client';
import { type Certificates, makeCertificates } from '../fixtures/certificates.js';
import { LOOPBACK, SLACK_MS, startAvroSource, startRawServer, within } from '../fixtures/index.js';

export { makeCertificates, type Certificates };

/** Short timeouts and no retries: a failure shows at once, not after a backoff. */
export const QUICK: Record<string, string> = {
  'connect-timeout': '3000',
  'handshake-timeout': '3000',
  'request-timeout': '3000',
  'max-retries': '0',
};

export interface StartedServer {
  server: AvroSourceServer;
  port: number;
  /** Every connection error the server reported, in order. */
  errors: FlumeRpcError[];
}

export async function startServer(t: Test, options: AvroSourceServerOptions): Promise<StartedServer> {
  const server = await startAvroSource(t, options);
  const errors: FlumeRpcError[] = [];
  server.on('connectionError', (error) => errors.push(error));
  return { server, port: server.port, errors };
}

/** A TLS server with the fixture's localhost certificate (or another pair). */
export async function startTlsServer(
  t: Test,
  certs: Certificates,
  options: AvroSourceServerOptions = {},
): Promise<StartedServer> {
  return startServer(t, { tls: { key: certs.server.key, cert: certs.server.cert }, ...options });
}

/** Properties for a default client to 127.0.0.1:port. */
export function propsFor(port: number, extra: Record<string, string> = {}): Record<string, string> {
  return { hosts: 'h1', 'hosts.h1': `${LOOPBACK}:${port}`, ...QUICK, ...extra };
}

/** A client from properties (not connected yet), closed in teardown; warnings are collected. */
export function clientFor(t: Test, props: Record<string, string>, warnings: string[] = []): RpcClient {
  const client = RpcClientFactory.create(props, { warn: (message) => warnings.push(message) });
  t.teardown(() => client.close());
  return client;
}

export function events(n: number, prefix = 'e'): Event[] {
  return Array.from({ length: n }, (_, i) =>
    EventBuilder.withBody(`${prefix}-${i} ${'x'.repeat(100)}`, { seq: String(i), host: 'web-1' }),
  );
}

/** The rejection of `promise` (a test failure if it resolves or takes longer than `ms`). */
export async function rejection(promise: Promise<unknown>, what: string, ms = SLACK_MS * 3): Promise<FlumeRpcError> {
  return within(
    promise.then(
      () => {
        throw new Error(`${what} resolved, expected a rejection`);
      },
      (error: FlumeRpcError) => error,
    ),
    ms,
    what,
  );
}

export interface RecordingProxy {
  port: number;
  /** Every byte clients sent through the proxy, per connection, in order. */
  upstream: Buffer[][];
}

/** A TCP proxy to 127.0.0.1:target that records the client's bytes: what crosses the wire, unchanged. */
export async function startRecordingProxy(t: Test, target: number): Promise<RecordingProxy> {
  const upstream: Buffer[][] = [];
  // The agent side closes with its client, and the client is destroyed in the raw server's teardown.
  const { port } = await startRawServer(t, (client) => {
    const chunks: Buffer[] = [];
    upstream.push(chunks);
    const agent = net.connect({ host: LOOPBACK, port: target });
    agent.on('error', () => undefined);
    for (const socket of [client, agent]) {
      socket.on('close', () => {
        client.destroy();
        agent.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      agent.write(chunk);
    });
    agent.on('data', (chunk: Buffer) => client.write(chunk));
  });
  return { port, upstream };
}
