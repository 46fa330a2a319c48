import { ConfigurationError } from '../errors.js';

/**
 * One Flume host: `hosts.<alias> = host:port` (Avro source) or an `http://` / `https://` URL
 * (HTTP source, JSONHandler). For a URL, `host` and `port` are the URL's (port 80/443 when absent).
 */
export interface HostAddress {
  alias: string;
  host: string;
  port: number;
  /** The HTTP source's URL, path included; absent for an Avro host. */
  url?: string;
}

/** How one connection to one host behaves. Flume's keys first, then ours (see docs/configuration.md). */
export interface ConnectionOptions {
  /** `batch-size`: appendBatch splits longer lists into calls of this many events. */
  batchSize: number;
  /** `connect-timeout` (ms). */
  connectTimeoutMs: number;
  /** `request-timeout` (ms): each call, from write to answer. */
  requestTimeoutMs: number;
  /** `handshake-timeout` (ms, ours): defaults to the connect timeout. */
  handshakeTimeoutMs: number;
  /**
   * `call-timeout` (ms, ours): one call's whole budget, from the call to its answer: waiting for a
   * slot, connecting, handshakes, retries, backoff and the answer. Default: connect-timeout +
   * handshake-timeout + request-timeout. A call's own `timeoutMs` overrides it.
   */
  callTimeoutMs: number;
  /**
   * `close-timeout` (ms, ours): how long close() waits for calls already written to be answered
   * (calls not written yet are rejected at once). Default: request-timeout, as Flume's close waits.
   */
  closeTimeoutMs: number;
  /**
   * `reset-connection-interval` (the Avro sink's key, in seconds there; ms here): replace the
   * connection once it has lived this long, between calls, so a load balancer in front of several
   * agents spreads clients again (FLUME-1926). 0: never.
   */
  resetConnectionIntervalMs: number;
  /** `max-retries` (ours): further connect+handshake attempts after the first fails. */
  maxRetries: number;
  /** `retry-backoff-initial` (ms, ours). */
  retryBackoffInitialMs: number;
  /** `retry-backoff-max` (ms, ours). */
  retryBackoffMaxMs: number;
  /** `max-inflight` (ours): calls pipelined on the connection at once. */
  maxInflight: number;
  /** `max-pending` (ours): calls allowed to wait for a slot; more are refused (ClientBusyError). */
  maxPending: number;
  /** `compression-type`: `deflate` compresses each direction as one zlib stream, as Flume does. */
  compressionType: 'none' | 'deflate';
  /** `compression-level` (0-9), used with deflate. */
  compressionLevel: number;
  /** `ssl`: TLS to the agent; never falls back to plaintext. */
  ssl: boolean;
  /** `trust-all-certs`: no certificate or hostname check at all (warns once). */
  trustAllCerts: boolean;
  /** `truststore` (default: FLUME_SSL_TRUSTSTORE_PATH, else Node's CAs). */
  truststore: string | null;
  /** `truststore-password` (default: FLUME_SSL_TRUSTSTORE_PASSWORD). */
  truststorePassword: string | null;
  /** `truststore-type`: JKS (Flume's default), PKCS12 or PEM (default: FLUME_SSL_TRUSTSTORE_TYPE, else JKS). */
  truststoreType: string;
  /** `include-protocols`: Java protocol names; empty: every protocol Node enables (TLSv1.2, TLSv1.3). */
  includeProtocols: string[];
  /** `exclude-protocols`: always holds SSLv3, as in Flume. */
  excludeProtocols: string[];
  /** `include-cipher-suites` (IANA names, as Java's); empty: Node's default suites. */
  includeCipherSuites: string[];
  /** `exclude-cipher-suites`. */
  excludeCipherSuites: string[];
  /** `ssl-verify-hostname` (ours): check that the certificate names the host; Flume's Java client does not. */
  sslVerifyHostname: boolean;
  /** `wire-layer-order` (ours): with ssl and deflate, zlib-outside (Flume 1.10+) or tls-outside (Flume 1.9 and earlier). */
  wireLayerOrder: WireLayerOrder;
  /** `charset` (ours, HTTP hosts): the request's charset, one JSONHandler reads: UTF-8 (default), UTF-16 or UTF-32. */
  charset: HttpCharset;
  /** `pipelining` (ours, HTTP hosts): requests per keep-alive connection at once; 1 (default) is no pipelining. */
  pipelining: number;
}

/** The charsets Flume's JSONHandler reads a request in (it compares names ignoring case; anything else is a 500). */
export type HttpCharset = 'UTF-8' | 'UTF-16' | 'UTF-32';
export const HTTP_CHARSETS: readonly HttpCharset[] = ['UTF-8', 'UTF-16', 'UTF-32'];

export type WireLayerOrder = 'zlib-outside' | 'tls-outside';
export const WIRE_LAYER_ORDERS: readonly WireLayerOrder[] = ['zlib-outside', 'tls-outside'];

export type HostSelectorName = 'round_robin' | 'random';

export interface DefaultClientConfig {
  clientType: 'default';
  host: HostAddress;
  options: ConnectionOptions;
}

export interface FailoverClientConfig {
  clientType: 'default_failover';
  hosts: HostAddress[];
  /** `max-attempts`: hosts one call may try (default: all). */
  maxAttempts: number;
  /** `priority.<alias>` (ours, from the failover sink processor): higher first. */
  priorities: Record<string, number>;
  /** `maxpenalty` (ms): the longest cool-down of a failed host. */
  maxPenaltyMs: number;
  options: ConnectionOptions;
}

export interface LoadBalancingClientConfig {
  clientType: 'default_loadbalance';
  hosts: HostAddress[];
  /** `host-selector`: round_robin, random, or a custom selector's name (supplied in code). */
  hostSelector: HostSelectorName | string;
  /** `backoff`: exclude failed hosts for a growing time. */
  backoff: boolean;
  /** `maxBackoff` (ms). */
  maxBackoffMs: number;
  options: ConnectionOptions;
}

/** `client.type = http`: one Flume HTTP source (JSONHandler) at `host.url`. */
export interface HttpClientConfig {
  clientType: 'http';
  host: HostAddress;
  options: ConnectionOptions;
}

export type ClientConfig = DefaultClientConfig | HttpClientConfig | FailoverClientConfig | LoadBalancingClientConfig;

export const FLUME_DEFAULTS = Object.freeze({
  batchSize: 100,
  connectTimeoutMs: 20_000,
  requestTimeoutMs: 20_000,
  maxBackoffMs: 30_000,
  maxPenaltyMs: 30_000,
  compressionLevel: 6,
});

/** A complete, checked ConnectionOptions (frozen): the defaults above for whatever `overrides` leaves out. */
export { defaultConnectionOptions } from './resolve.js';

export function requireInteger(key: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new ConfigurationError(key, value, `must be ${range}`);
  }
  return value;
}

/** Parses `host:port` (IPv6 as `[::1]:port`), as Flume's hosts.<alias> values are written, or an HTTP source's URL. */
export function parseHostAddress(alias: string, value: string): HostAddress {
  const key = `hosts.${alias}`;
  if (looksLikeUrl(value)) return parseHostUrl(key, alias, value.trim());
  const match = /^\s*(?:\[([^\]]+)\]|([^:\s]+)):(\d+)\s*$/.exec(value);
  if (!match) throw new ConfigurationError(key, value, 'must be host:port');
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) throw new ConfigurationError(key, value, 'port must be from 1 to 65535');
  return { alias, host: (match[1] ?? match[2])!, port };
}

/** Checks a typed host from code as strictly as one from properties; a `url` sets host and port. */
export function validateHost(host: HostAddress): HostAddress {
  const key = `hosts.${host.alias}`;
  if (host.url !== undefined) return parseHostUrl(key, host.alias, host.url);
  if (typeof host.host !== 'string' || host.host.trim() === '')
    throw new ConfigurationError(key, host.host, 'host must be a non-empty string');
  requireInteger(`${key} port`, host.port, 1, 65_535);
  return host;
}

function looksLikeUrl(value: string): boolean {
  return /^\s*[a-z][a-z0-9+.-]*:\/\//i.test(value);
}

/** An HTTP source's URL: http or https, a host, no credentials (Flume's HTTP source has no authentication to give them to). */
export function parseHostUrl(key: string, alias: string, value: unknown): HostAddress {
  if (typeof value !== 'string') throw new ConfigurationError(key, value, 'must be an http:// or https:// URL');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(key, value, 'must be an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigurationError(key, value, 'must be an http:// or https:// URL (or host:port for an Avro source)');
  if (url.hostname === '') throw new ConfigurationError(key, value, 'names no host');
  if (url.username !== '' || url.password !== '')
    throw new ConfigurationError(key, value, "must not carry credentials: Flume's HTTP source does not authenticate");
  if (url.hash !== '') throw new ConfigurationError(key, value, 'must not have a #fragment: it is never sent');
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  // IPv6 literals come back bracketed from URL; the host of a HostAddress is bare, as from host:port.
  return { alias, host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, url: url.href };
}

/** The transport a host speaks: an HTTP source when it has a URL, else Avro. */
export function hostTransport(host: HostAddress): 'avro' | 'http' {
  return host.url === undefined ? 'avro' : 'http';
}
