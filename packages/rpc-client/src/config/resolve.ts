import {
  type ClientConfig,
  type ConnectionOptions,
  type DefaultClientConfig,
  type FailoverClientConfig,
  type HostAddress,
  type HttpClientConfig,
  HTTP_CHARSETS,
  hostTransport,
  type LoadBalancingClientConfig,
  FLUME_DEFAULTS,
  WIRE_LAYER_ORDERS,
  requireInteger,
  validateHost,
} from './config.js';
import { ConfigurationError } from '../errors.js';
import { type HealthInput, type HealthPolicy, resolveHealth } from './health-options.js';
import { checkTransportFit } from './transport-fit.js';

/**
 * Where options are parsed, validated and defaulted: once, by the public entry that receives them
 * (parseClientProperties, defaultConnectionOptions, or a client's constructor). What comes out is
 * frozen and remembered, so the clients below (a failover client's per-host clients) take it as
 * given and nothing re-defaults or re-checks it.
 */

/** A complete, checked, frozen ConnectionOptions. */
export type ResolvedConnectionOptions = Readonly<ConnectionOptions>;

/** One host and the options of its connection: what a NettyAvroRpcClient runs on. */
export interface ResolvedDefaultOptions extends DefaultClientConfig {
  readonly options: ResolvedConnectionOptions;
}

/** One HTTP source (its URL in `host.url`) and the options of its connections: what an HttpRpcClient runs on. */
export interface ResolvedHttpOptions extends HttpClientConfig {
  readonly options: ResolvedConnectionOptions;
}

/** One host's own client inside a failover or load-balancing client: Avro or HTTP, by the host's address. */
export type ResolvedHostClient = ResolvedDefaultOptions | ResolvedHttpOptions;

/** How long a failed host is left alone: HostPenalty's policy. */
export interface PenaltyPolicy {
  /** The first penalty (ms). 0 turns penalties off: failures are counted but exclude nothing. */
  baseMs: number;
  /** The longest penalty (ms). */
  maxMs: number;
  /** Flume's CONSIDER_SEQUENTIAL_RANGE (one hour since FLUME-2229). */
  graceMs: number;
  /** A success starts the count again (failover: yes; Flume's load balancer: no, only time does). */
  resetOnSuccess: boolean;
}

interface ResolvedMultiHost {
  readonly options: ResolvedConnectionOptions;
  /** Each host's own client: the host with `options` and the per-host layer on top. */
  readonly hostClients: readonly ResolvedHostClient[];
  readonly penalty: Readonly<PenaltyPolicy>;
  /** Agent health polling (`health.<alias>`); null when no host has a metrics URL. */
  readonly health: HealthPolicy | null;
}

export interface ResolvedFailoverOptions extends FailoverClientConfig, ResolvedMultiHost {
  readonly options: ResolvedConnectionOptions;
}

export interface ResolvedLoadBalancingOptions extends LoadBalancingClientConfig, ResolvedMultiHost {
  readonly options: ResolvedConnectionOptions;
}

/** A ClientConfig with every default filled in and every value checked; frozen. */
export type ResolvedClientOptions =
  ResolvedDefaultOptions | ResolvedHttpOptions | ResolvedFailoverOptions | ResolvedLoadBalancingOptions;

/** The failover client's first cool-down (ours: Flume's failover client has none). */
export const DEFAULT_PENALTY_BASE_MS = 1000;
/** OrderSelector's first backoff: `1000 << 1` after the first failure. */
export const FLUME_FIRST_BACKOFF_MS = 2000;
/** OrderSelector's CONSIDER_SEQUENTIAL_RANGE. */
export const FLUME_SEQUENTIAL_RANGE_MS = 60 * 60 * 1000;

/**
 * Laid over the shared options for each host's own client, unless the typed `hostConnection`
 * says otherwise: one connect+handshake attempt per host per call, no waiting before it, because
 * the multi-host client's own penalties decide when a host is tried again.
 */
export const DEFAULT_HOST_CONNECTION: Readonly<Partial<ConnectionOptions>> = Object.freeze({
  maxRetries: 0,
  retryBackoffInitialMs: 0,
});

/** What the multi-host typed forms share (see MultiHostOptions). */
export interface MultiHostInput {
  hosts: HostAddress[];
  options?: Partial<ConnectionOptions>;
  hostConnection?: Partial<ConnectionOptions>;
  /** Skip hosts whose agent reports a full channel (Flume's HTTP monitoring). */
  health?: HealthInput;
}

/** The failover settings of the typed form (FailoverRpcClientOptions). */
export interface FailoverInput extends MultiHostInput {
  maxAttempts?: number;
  priorities?: Readonly<Record<string, number | undefined>>;
  maxPenaltyMs?: number;
  penaltyBaseMs?: number;
  penaltyGraceMs?: number;
}

/** The load-balancing settings of the typed form (LoadBalancingRpcClientOptions). */
export interface LoadBalancingInput extends MultiHostInput {
  hostSelector?: string | object;
  backoff?: boolean;
  maxBackoffMs?: number;
  backoffBaseMs?: number;
  backoffGraceMs?: number;
}

/** Everything this module made: taken as given when it comes back. */
const resolved = new WeakSet<object>();

function seal<T extends object>(value: T): T {
  Object.freeze(value);
  resolved.add(value);
  return value;
}

function isResolved(value: unknown): boolean {
  return typeof value === 'object' && value !== null && resolved.has(value);
}

/** The defaults filled in and every field checked, as strictly as properties are; an already resolved object is returned as it is. */
export function resolveConnectionOptions(overrides: Partial<ConnectionOptions> = {}): ResolvedConnectionOptions {
  if (isResolved(overrides)) return overrides as ResolvedConnectionOptions;
  // The derived defaults follow the timeouts they are derived from, whether given or defaulted.
  const connectTimeoutMs = overrides.connectTimeoutMs ?? FLUME_DEFAULTS.connectTimeoutMs;
  const requestTimeoutMs = overrides.requestTimeoutMs ?? FLUME_DEFAULTS.requestTimeoutMs;
  const handshakeTimeoutMs = overrides.handshakeTimeoutMs ?? connectTimeoutMs;
  const defaults: ConnectionOptions = {
    batchSize: FLUME_DEFAULTS.batchSize,
    connectTimeoutMs,
    requestTimeoutMs,
    handshakeTimeoutMs,
    callTimeoutMs: connectTimeoutMs + handshakeTimeoutMs + requestTimeoutMs,
    closeTimeoutMs: requestTimeoutMs,
    resetConnectionIntervalMs: 0,
    maxRetries: 3,
    retryBackoffInitialMs: 100,
    retryBackoffMaxMs: 5_000,
    maxInflight: 8,
    maxPending: 1_000,
    compressionType: 'none',
    compressionLevel: FLUME_DEFAULTS.compressionLevel,
    ssl: false,
    trustAllCerts: false,
    ...globalTlsDefaults(),
    sslVerifyHostname: true,
    wireLayerOrder: 'zlib-outside',
    charset: 'UTF-8',
    pipelining: 1,
  };
  // A typed option we do not know would be ignored: refused instead, as an unknown property is.
  const unknown = Object.keys(overrides).find((key) => !(key in defaults));
  if (unknown !== undefined) {
    throw new ConfigurationError(
      unknown,
      (overrides as Record<string, unknown>)[unknown],
      'is not a connection option (see docs/configuration.md)',
    );
  }
  const options: ConnectionOptions = { ...defaults, ...stripUndefined(overrides) };
  // SSLv3 stays excluded whatever the list says, as Flume's client starts its set with it.
  if (!options.excludeProtocols.includes('SSLv3')) options.excludeProtocols = ['SSLv3', ...options.excludeProtocols];
  validateConnectionOptions(options);
  for (const list of ['includeProtocols', 'excludeProtocols', 'includeCipherSuites', 'excludeCipherSuites'] as const) {
    options[list] = Object.freeze([...options[list]]) as string[];
  }
  return seal(options);
}

/** One host from code or a parsed DefaultClientConfig: the host checked, the options resolved. */
export function resolveDefaultOptions(config: {
  host: HostAddress;
  options?: Partial<ConnectionOptions>;
}): ResolvedDefaultOptions {
  if (isResolved(config)) return config as ResolvedDefaultOptions;
  const host = validateHost(config.host);
  if (hostTransport(host) === 'http')
    throw new ConfigurationError(
      `hosts.${host.alias}`,
      host.url,
      'is an HTTP source URL: use client.type = http (HttpRpcClient), or a failover / load-balancing client',
    );
  return seal({
    clientType: 'default',
    host: Object.freeze({ ...host }),
    options: resolveGiven([host], config.options),
  });
}

/** One HTTP source from code or a parsed HttpClientConfig: the URL checked, the options resolved. */
export function resolveHttpOptions(config: {
  host: HostAddress;
  options?: Partial<ConnectionOptions>;
}): ResolvedHttpOptions {
  if (isResolved(config)) return config as ResolvedHttpOptions;
  const host = validateHost(config.host);
  if (hostTransport(host) !== 'http')
    throw new ConfigurationError(
      `hosts.${host.alias}`,
      `${host.host}:${host.port}`,
      'must be an http:// or https:// URL for client.type = http (host:port is an Avro source)',
    );
  return seal({
    clientType: 'http',
    host: Object.freeze({ ...host }),
    options: resolveGiven([host], config.options),
  });
}

/** Options given for `hosts`: checked against the hosts' transports (unless already resolved), then resolved. */
function resolveGiven(
  hosts: readonly HostAddress[],
  given: Partial<ConnectionOptions> = {},
): ResolvedConnectionOptions {
  if (!isResolved(given)) checkTransportFit(hosts, given, resolveConnectionOptions());
  return resolveConnectionOptions(given);
}

/** FailoverRpcClient's options, from properties (a FailoverClientConfig) or code (FailoverRpcClientOptions). */
export function resolveFailoverOptions(config: FailoverInput | FailoverClientConfig): ResolvedFailoverOptions {
  if (isResolved(config)) return config as ResolvedFailoverOptions;
  const input = config as FailoverInput;
  const hosts = checkHosts(input.hosts);
  const options = resolveGiven(hosts, input.options);
  const maxPenaltyMs = requireInteger('maxpenalty', input.maxPenaltyMs ?? FLUME_DEFAULTS.maxPenaltyMs, 1);
  return seal({
    clientType: 'default_failover',
    hosts,
    maxAttempts: Math.min(requireInteger('max-attempts', input.maxAttempts ?? hosts.length, 1), hosts.length),
    priorities: Object.freeze(resolvePriorities(hosts, input.priorities ?? {})),
    maxPenaltyMs,
    options,
    hostClients: hostClients(hosts, options, input.hostConnection),
    health: resolveHealth(input.health, hosts, options.requestTimeoutMs),
    penalty: Object.freeze({
      baseMs: requireInteger('penalty-base', input.penaltyBaseMs ?? DEFAULT_PENALTY_BASE_MS, 1),
      maxMs: maxPenaltyMs,
      graceMs: requireInteger('penalty-grace', input.penaltyGraceMs ?? FLUME_SEQUENTIAL_RANGE_MS, 0),
      resetOnSuccess: true,
    }),
  });
}

/** LoadBalancingRpcClient's options, from properties (a LoadBalancingClientConfig) or code (LoadBalancingRpcClientOptions). */
export function resolveLoadBalancingOptions(
  config: LoadBalancingInput | LoadBalancingClientConfig,
): ResolvedLoadBalancingOptions {
  if (isResolved(config)) return config as ResolvedLoadBalancingOptions;
  const input = config as LoadBalancingInput;
  const hosts = checkHosts(input.hosts);
  const options = resolveGiven(hosts, input.options);
  const backoff = input.backoff ?? false;
  const maxBackoffMs = resolveMaxBackoff(input.maxBackoffMs);
  return seal({
    clientType: 'default_loadbalance',
    hosts,
    // A selector object is the client's to use as it is; the name stands for it here.
    hostSelector:
      typeof input.hostSelector === 'string'
        ? input.hostSelector
        : input.hostSelector == null
          ? 'round_robin'
          : 'custom',
    backoff,
    maxBackoffMs,
    options,
    hostClients: hostClients(hosts, options, input.hostConnection),
    health: resolveHealth(input.health, hosts, options.requestTimeoutMs),
    penalty: Object.freeze({
      // Without backoff failures are still counted (hostStates) but exclude nothing.
      baseMs: backoff ? requireInteger('backoff-base', input.backoffBaseMs ?? FLUME_FIRST_BACKOFF_MS, 1) : 0,
      maxMs: maxBackoffMs,
      graceMs: requireInteger('backoff-grace', input.backoffGraceMs ?? FLUME_SEQUENTIAL_RANGE_MS, 0),
      // Flume's OrderSelector forgets failures only with time, not on success.
      resetOnSuccess: false,
    }),
  });
}

/** The public name of resolveConnectionOptions: a complete, checked, frozen ConnectionOptions. */
export function defaultConnectionOptions(overrides: Partial<ConnectionOptions> = {}): ConnectionOptions {
  return resolveConnectionOptions(overrides);
}

/** Any ClientConfig, by its clientType. */
export function resolveClientConfig(config: ClientConfig): ResolvedClientOptions {
  switch (config.clientType) {
    case 'default':
      return resolveDefaultOptions(config);
    case 'http':
      return resolveHttpOptions(config);
    case 'default_failover':
      return resolveFailoverOptions(config);
    default:
      return resolveLoadBalancingOptions(config);
  }
}

/** Checks a typed options object as strictly as properties are checked. */
export function validateConnectionOptions(options: ConnectionOptions): void {
  const positive: Array<[keyof ConnectionOptions, string]> = [
    ['batchSize', 'batch-size'],
    ['connectTimeoutMs', 'connect-timeout'],
    ['requestTimeoutMs', 'request-timeout'],
    ['handshakeTimeoutMs', 'handshake-timeout'],
    ['callTimeoutMs', 'call-timeout'],
    ['retryBackoffMaxMs', 'retry-backoff-max'],
    ['maxInflight', 'max-inflight'],
  ];
  for (const [field, key] of positive) requireInteger(key, options[field], 1);
  requireInteger('close-timeout', options.closeTimeoutMs, 0);
  requireInteger('reset-connection-interval', options.resetConnectionIntervalMs, 0);
  requireInteger('max-retries', options.maxRetries, 0);
  requireInteger('retry-backoff-initial', options.retryBackoffInitialMs, 0);
  requireInteger('max-pending', options.maxPending, 0);
  requireInteger('compression-level', options.compressionLevel, 0, 9);
  requireInteger('pipelining', options.pipelining, 1);
  if (!HTTP_CHARSETS.includes(options.charset))
    throw new ConfigurationError(
      'charset',
      options.charset,
      `must be ${HTTP_CHARSETS.join(', ')} (what JSONHandler reads)`,
    );
  if (options.compressionType !== 'none' && options.compressionType !== 'deflate') {
    throw new ConfigurationError('compression-type', options.compressionType, 'must be none or deflate');
  }
  if (!WIRE_LAYER_ORDERS.includes(options.wireLayerOrder)) {
    throw new ConfigurationError(
      'wire-layer-order',
      options.wireLayerOrder,
      `must be ${WIRE_LAYER_ORDERS.join(' or ')}`,
    );
  }
  if (options.retryBackoffInitialMs > options.retryBackoffMaxMs) {
    throw new ConfigurationError(
      'retry-backoff-initial',
      options.retryBackoffInitialMs,
      `must not exceed retry-backoff-max (${options.retryBackoffMaxMs})`,
    );
  }
}

/** An alias listed twice is an error; `value` is what the error names (the hosts property, or the alias from code). */
export function checkAliasUnique(seen: Set<string>, alias: string, value: unknown): void {
  if (seen.has(alias)) throw new ConfigurationError('hosts', value, `alias ${alias} is listed twice`);
  seen.add(alias);
}

/** Checks hosts from code as strictly as from properties: at least one, valid, aliases unique. */
export function checkHosts(hosts: readonly HostAddress[]): HostAddress[] {
  if (!Array.isArray(hosts) || hosts.length === 0)
    throw new ConfigurationError('hosts', hosts ?? null, 'must name at least one host');
  const seen = new Set<string>();
  return Object.freeze(
    hosts.map((host) => {
      if (typeof host?.alias !== 'string' || host.alias === '')
        throw new ConfigurationError('hosts', host, 'every host needs an alias');
      checkAliasUnique(seen, host.alias, host.alias);
      return Object.freeze({ ...validateHost(host) });
    }),
  ) as HostAddress[];
}

/** `priority.<alias>`: integers, unique; a host without one ranks by its place in `hosts` (earlier higher). */
export function resolvePriorities(
  hosts: readonly HostAddress[],
  given: Readonly<Record<string, number | undefined>>,
): Record<string, number> {
  const priorities: Record<string, number> = {};
  const owner = new Map<number, string>();
  hosts.forEach((host, index) => {
    const key = `priority.${host.alias}`;
    const priority = given[host.alias] ?? -index;
    requireInteger(key, priority, Number.MIN_SAFE_INTEGER);
    const other = owner.get(priority);
    if (other !== undefined) throw new ConfigurationError(key, priority, `must differ from priority of ${other}`);
    owner.set(priority, host.alias);
    priorities[host.alias] = priority;
  });
  return priorities;
}

/** `maxBackoff`: Flume reads 0 (its unset value) as the 30 s default. */
export function resolveMaxBackoff(value: number | undefined): number {
  return requireInteger('maxBackoff', value || FLUME_DEFAULTS.maxBackoffMs, 1);
}

/** Each host's client: the shared options with the per-host layer on top, resolved once for all hosts. */
function hostClients(
  hosts: readonly HostAddress[],
  options: ResolvedConnectionOptions,
  layer: Partial<ConnectionOptions> | undefined,
): readonly ResolvedHostClient[] {
  const perHost = resolveConnectionOptions({ ...options, ...(layer ?? DEFAULT_HOST_CONNECTION) });
  return Object.freeze(
    hosts.map((host) =>
      seal<ResolvedHostClient>(
        hostTransport(host) === 'http'
          ? { clientType: 'http', host, options: perHost }
          : { clientType: 'default', host, options: perHost },
      ),
    ),
  );
}

/**
 * Flume's global TLS settings (SSLUtil): the environment variables an agent's flume-ng script
 * turns into javax.net.ssl.* and flume.ssl.* properties, which then stand in for unset keys.
 */
type GlobalTlsKeys =
  | 'truststore'
  | 'truststorePassword'
  | 'truststoreType'
  | 'includeProtocols'
  | 'excludeProtocols'
  | 'includeCipherSuites'
  | 'excludeCipherSuites';

function globalTlsDefaults(env: NodeJS.ProcessEnv = process.env): Pick<ConnectionOptions, GlobalTlsKeys> {
  // Flume turns the commas of the global lists into spaces; the lists are space-separated like the keys.
  const list = (name: string): string[] => (env[name] ?? '').split(/[\s,]+/).filter(Boolean);
  return {
    truststore: env['FLUME_SSL_TRUSTSTORE_PATH'] ?? null,
    truststorePassword: env['FLUME_SSL_TRUSTSTORE_PASSWORD'] ?? null,
    truststoreType: env['FLUME_SSL_TRUSTSTORE_TYPE'] ?? 'JKS',
    includeProtocols: list('FLUME_SSL_INCLUDE_PROTOCOLS'),
    excludeProtocols: ['SSLv3', ...list('FLUME_SSL_EXCLUDE_PROTOCOLS').filter((p) => p !== 'SSLv3')],
    includeCipherSuites: list('FLUME_SSL_INCLUDE_CIPHERSUITES'),
    excludeCipherSuites: list('FLUME_SSL_EXCLUDE_CIPHERSUITES'),
  };
}

export function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
