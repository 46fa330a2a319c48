import { ConfigurationError } from './errors.js';

/** One Flume host: `hosts.<alias> = host:port`. */
export interface HostAddress {
  alias: string;
  host: string;
  port: number;
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
  /** `compression-type` / `compression-level`: parsed and carried; not yet on the wire. */
  compressionType: 'none' | 'deflate';
  compressionLevel: number;
  /** `ssl` and its companions: parsed and carried; not yet on the wire. */
  ssl: boolean;
  trustAllCerts: boolean;
  truststore: string | null;
  truststorePassword: string | null;
  truststoreType: string;
  excludeProtocols: string[];
}

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

export type ClientConfig = DefaultClientConfig | FailoverClientConfig | LoadBalancingClientConfig;

export const FLUME_DEFAULTS = Object.freeze({
  batchSize: 100,
  connectTimeoutMs: 20_000,
  requestTimeoutMs: 20_000,
  maxBackoffMs: 30_000,
  maxPenaltyMs: 30_000,
  compressionLevel: 6,
});

export function defaultConnectionOptions(overrides: Partial<ConnectionOptions> = {}): ConnectionOptions {
  const connectTimeoutMs = overrides.connectTimeoutMs ?? FLUME_DEFAULTS.connectTimeoutMs;
  const options: ConnectionOptions = {
    batchSize: FLUME_DEFAULTS.batchSize,
    connectTimeoutMs,
    requestTimeoutMs: FLUME_DEFAULTS.requestTimeoutMs,
    handshakeTimeoutMs: connectTimeoutMs,
    maxRetries: 3,
    retryBackoffInitialMs: 100,
    retryBackoffMaxMs: 5_000,
    maxInflight: 8,
    maxPending: 1_000,
    compressionType: 'none',
    compressionLevel: FLUME_DEFAULTS.compressionLevel,
    ssl: false,
    trustAllCerts: false,
    truststore: null,
    truststorePassword: null,
    truststoreType: 'JKS',
    excludeProtocols: ['SSLv3'],
    ...stripUndefined(overrides),
  };
  validateConnectionOptions(options);
  return options;
}

/** Checks a typed options object as strictly as properties are checked. */
export function validateConnectionOptions(options: ConnectionOptions): void {
  const positive: Array<[keyof ConnectionOptions, string]> = [
    ['batchSize', 'batch-size'],
    ['connectTimeoutMs', 'connect-timeout'],
    ['requestTimeoutMs', 'request-timeout'],
    ['handshakeTimeoutMs', 'handshake-timeout'],
    ['retryBackoffMaxMs', 'retry-backoff-max'],
    ['maxInflight', 'max-inflight'],
  ];
  for (const [field, key] of positive) requireInteger(key, options[field], 1);
  requireInteger('max-retries', options.maxRetries, 0);
  requireInteger('retry-backoff-initial', options.retryBackoffInitialMs, 0);
  requireInteger('max-pending', options.maxPending, 0);
  requireInteger('compression-level', options.compressionLevel, 0, 9);
  if (options.retryBackoffInitialMs > options.retryBackoffMaxMs) {
    throw new ConfigurationError('retry-backoff-initial', options.retryBackoffInitialMs, `must not exceed retry-backoff-max (${options.retryBackoffMaxMs})`);
  }
}

export function requireInteger(key: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new ConfigurationError(key, value, `must be ${range}`);
  }
  return value;
}

/** Parses `host:port` (IPv6 as `[::1]:port`), as Flume's hosts.<alias> values are written. */
export function parseHostAddress(alias: string, value: string): HostAddress {
  const key = `hosts.${alias}`;
  const match = /^\s*(?:\[([^\]]+)\]|([^:\s]+)):(\d+)\s*$/.exec(value);
  if (!match) throw new ConfigurationError(key, value, 'must be host:port');
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) throw new ConfigurationError(key, value, 'port must be from 1 to 65535');
  return { alias, host: (match[1] ?? match[2])!, port };
}

/** Checks a typed host from code as strictly as one from properties. */
export function validateHost(host: HostAddress): HostAddress {
  const key = `hosts.${host.alias}`;
  if (typeof host.host !== 'string' || host.host.trim() === '') throw new ConfigurationError(key, host.host, 'host must be a non-empty string');
  requireInteger(`${key} port`, host.port, 1, 65_535);
  return host;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
