import { readFile } from 'node:fs/promises';
import { parse as parseDotProperties } from 'dot-properties';
import { describe } from '@flume-rpc/netty-compat';
import {
  type ClientConfig,
  type ConnectionOptions,
  type HostAddress,
  HTTP_CHARSETS,
  parseHostAddress,
} from './config.js';
import {
  type ResolvedClientOptions,
  checkAliasUnique,
  resolveDefaultOptions,
  resolveFailoverOptions,
  resolveHttpOptions,
  resolveLoadBalancingOptions,
  stripUndefined,
} from './resolve.js';
import type { HealthInput } from './health-options.js';
import { anyTls } from './transport-fit.js';
import { parseHttpCharset } from '../http/json-batch.js';
import { ConfigurationError } from '../errors.js';
import { SINK_ONLY_KEYS, fromSinkSection } from './sink-properties.js';

/** Flume's client properties: a plain object of strings (like Java's Properties) or a Map. */
export type FlumeProperties = Readonly<Record<string, string>> | ReadonlyMap<string, string>;

export type WarningSink = (message: string) => void;

const CLIENT_TYPES = ['default', 'http', 'default_failover', 'default_loadbalance'] as const;

/** Keys that take a number of milliseconds or a count, with the option they set. */
const INTEGER_KEYS: ReadonlyArray<[string, keyof ConnectionOptions, number]> = [
  ['batch-size', 'batchSize', 1],
  ['connect-timeout', 'connectTimeoutMs', 1],
  ['request-timeout', 'requestTimeoutMs', 1],
  ['handshake-timeout', 'handshakeTimeoutMs', 1],
  ['call-timeout', 'callTimeoutMs', 1],
  ['close-timeout', 'closeTimeoutMs', 0],
  ['max-retries', 'maxRetries', 0],
  ['retry-backoff-initial', 'retryBackoffInitialMs', 0],
  ['retry-backoff-max', 'retryBackoffMaxMs', 1],
  ['max-inflight', 'maxInflight', 1],
  ['max-pending', 'maxPending', 0],
  ['compression-level', 'compressionLevel', 0],
  ['pipelining', 'pipelining', 1],
];

/**
 * Keys Flume's own Avro client ignores too, with the warning we give: maxIoWorkers (Flume warns
 * the same) and the keys only Flume's Thrift clients read.
 */
const IGNORED_KEYS: ReadonlyMap<string, string> = new Map([
  ['maxIoWorkers', 'Specifying the number of workers is no longer supported (maxIoWorkers is ignored, as by Flume)'],
  ...['kerberos', 'client-principal', 'client-keytab', 'server-principal', 'maxConnections', 'protocol'].map(
    (key) =>
      [key, `${key} is read only by Flume's Thrift clients; the Avro client ignores it, as Flume's does`] as [
        string,
        string,
      ],
  ),
]);

/** Space-separated lists of Java names, as Flume splits them. */
const LIST_KEYS: ReadonlyArray<
  [string, 'includeProtocols' | 'excludeProtocols' | 'includeCipherSuites' | 'excludeCipherSuites']
> = [
  ['include-protocols', 'includeProtocols'],
  ['exclude-protocols', 'excludeProtocols'],
  ['include-cipher-suites', 'includeCipherSuites'],
  ['exclude-cipher-suites', 'excludeCipherSuites'],
];

/** Keys that only mean something with ssl = true; Flume ignores them otherwise, and we say so. */
const SSL_ONLY_KEYS = [
  'trust-all-certs',
  'truststore',
  'truststore-password',
  'truststore-type',
  'ssl-verify-hostname',
  ...LIST_KEYS.map(([key]) => key),
];

const KNOWN_KEYS = new Set([
  'client.type',
  'hosts',
  'max-attempts',
  'host-selector',
  'backoff',
  'maxBackoff',
  'maxpenalty',
  'compression-type',
  'ssl',
  'wire-layer-order',
  'reset-connection-interval',
  'charset',
  'health-interval',
  'health-max-channel-fill',
  ...SSL_ONLY_KEYS,
  ...INTEGER_KEYS.map(([key]) => key),
]);

/** Reads a Java `.properties` file (escapes, continuations and all) into Flume properties. */
export async function readPropertiesFile(path: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigurationError('properties file', path, `cannot be read: ${describe(err)}`);
  }
  return parsePropertiesText(text);
}

export function parsePropertiesText(text: string): Record<string, string> {
  return parseDotProperties(text) as Record<string, string>;
}

/**
 * Turns Flume client properties into a checked configuration. Wrong values and unknown keys
 * throw a ConfigurationError naming the key; keys Flume's own client ignores too, and keys that
 * the other settings make meaningless, go to `warn`: no key is accepted and silently unused.
 */
export function parseClientProperties(properties: FlumeProperties, warn: WarningSink = defaultWarn): ClientConfig {
  const given =
    properties instanceof Map ? Object.fromEntries(properties) : { ...(properties as Record<string, string>) };
  for (const [key, value] of Object.entries(given)) {
    if (typeof value !== 'string') throw new ConfigurationError(key, value, 'property values must be strings');
  }
  const props = fromSinkSection(given, warn);
  const get = (key: string): string | undefined => {
    const value = props[key];
    return value === undefined ? undefined : value.trim();
  };
  const clientType = parseClientType(get('client.type'));
  const hosts = parseHosts(props, get('hosts'));
  reportUnknownKeys(props, hosts, warn);
  const options = parseConnectionOptions(get);
  const health = parseHealth(props, get);
  // Parsed here; defaulted and checked once, by the resolver, into the frozen config the clients take as given.
  const config = resolveParsed(clientType, hosts, options, health, props, get, warn);
  reportUnusedKeys(props, config.options, hosts, warn);
  return config;
}

function resolveParsed(
  clientType: ClientConfig['clientType'],
  hosts: HostAddress[],
  options: Partial<ConnectionOptions>,
  health: HealthInput | undefined,
  props: Record<string, string>,
  get: (key: string) => string | undefined,
  warn: WarningSink,
): ResolvedClientOptions {
  if (clientType === 'default' || clientType === 'http') {
    if (health !== undefined) {
      const key = Object.keys(props).find((k) => k.startsWith('health'))!;
      throw new ConfigurationError(
        key,
        props[key],
        'applies to default_failover and default_loadbalance, which skip unhealthy hosts; a one-host client has none to skip to',
      );
    }
    if (hosts.length > 1)
      warn(`More than one host is set for the ${clientType} client; only ${hosts[0]!.alias} is used`);
    return clientType === 'http'
      ? resolveHttpOptions({ host: hosts[0]!, options })
      : resolveDefaultOptions({ host: hosts[0]!, options });
  }
  if (clientType === 'default_failover') {
    return resolveFailoverOptions({
      hosts,
      maxAttempts: parseInteger('max-attempts', get('max-attempts'), 1),
      priorities: parsePriorities(props, hosts),
      maxPenaltyMs: parseInteger('maxpenalty', get('maxpenalty'), 1),
      options,
      health,
    });
  }
  return resolveLoadBalancingOptions({
    hosts,
    hostSelector: parseSelector(get('host-selector')),
    backoff: parseBoolean('backoff', get('backoff')) ?? false,
    maxBackoffMs: parseInteger('maxBackoff', get('maxBackoff'), 0),
    options,
    health,
  });
}

/** `health.<alias>`, `health-interval`, `health-max-channel-fill`; undefined when none is set. */
function parseHealth(props: Record<string, string>, get: (key: string) => string | undefined): HealthInput | undefined {
  const urls: Record<string, string> = {};
  for (const key of Object.keys(props)) if (key.startsWith('health.')) urls[key.slice(7)] = get(key)!;
  const interval = get('health-interval');
  const fill = get('health-max-channel-fill');
  if (Object.keys(urls).length === 0 && interval === undefined && fill === undefined) return undefined;
  return {
    urls,
    intervalMs: parseInteger('health-interval', interval, 1),
    maxChannelFill: parsePercent('health-max-channel-fill', fill),
  };
}

function parsePercent(key: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!(number >= 0 && number <= 100)) throw new ConfigurationError(key, value, 'must be a percentage from 0 to 100');
  return number;
}

function parseClientType(value: string | undefined): ClientConfig['clientType'] {
  if (value === undefined || value === '') return 'default';
  const lower = value.toLowerCase();
  const known = CLIENT_TYPES.find((type) => type === lower);
  if (!known) {
    throw new ConfigurationError(
      'client.type',
      value,
      `must be one of ${CLIENT_TYPES.join(', ')} (thrift clients are not supported)`,
    );
  }
  return known;
}

function parseHosts(props: Record<string, string>, list: string | undefined): HostAddress[] {
  if (list === undefined || list === '')
    throw new ConfigurationError('hosts', list ?? null, 'must name at least one host alias');
  const aliases = list.split(/\s+/);
  const seen = new Set<string>();
  return aliases.map((alias) => {
    checkAliasUnique(seen, alias, list);
    const value = props[`hosts.${alias}`];
    if (value === undefined)
      throw new ConfigurationError(`hosts.${alias}`, null, 'is missing: every alias in hosts needs host:port');
    return parseHostAddress(alias, value);
  });
}

/** The options the properties give (defaults are the resolver's, which knows the hosts they are for). */
function parseConnectionOptions(get: (key: string) => string | undefined): Partial<ConnectionOptions> {
  const overrides: Partial<ConnectionOptions> = {};
  for (const [key, field, min] of INTEGER_KEYS) {
    const value = parseInteger(key, get(key), min);
    if (value !== undefined) (overrides as Record<string, number>)[field] = value;
  }
  const compression = get('compression-type');
  if (compression !== undefined) {
    const lower = compression.toLowerCase();
    if (lower !== 'none' && lower !== 'deflate')
      throw new ConfigurationError('compression-type', compression, 'must be none or deflate');
    overrides.compressionType = lower;
  }
  overrides.ssl = parseBoolean('ssl', get('ssl'));
  overrides.trustAllCerts = parseBoolean('trust-all-certs', get('trust-all-certs'));
  overrides.sslVerifyHostname = parseBoolean('ssl-verify-hostname', get('ssl-verify-hostname'));
  overrides.truststore = get('truststore');
  overrides.truststorePassword = get('truststore-password');
  overrides.truststoreType = get('truststore-type');
  for (const [key, field] of LIST_KEYS) {
    const value = get(key);
    if (value !== undefined) overrides[field] = value.split(/\s+/).filter(Boolean);
  }
  overrides.wireLayerOrder = get('wire-layer-order') as ConnectionOptions['wireLayerOrder'] | undefined;
  const charset = get('charset');
  if (charset !== undefined) {
    const known = parseHttpCharset(charset);
    if (!known)
      throw new ConfigurationError('charset', charset, `must be ${HTTP_CHARSETS.join(', ')} (what JSONHandler reads)`);
    overrides.charset = known;
  }
  // Seconds, as in the Avro sink's configuration.
  const resetSeconds = parseInteger('reset-connection-interval', get('reset-connection-interval'), 0);
  if (resetSeconds !== undefined) overrides.resetConnectionIntervalMs = resetSeconds * 1000;
  return stripUndefined(overrides);
}

export function parseInteger(key: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new ConfigurationError(key, value, 'must be an integer');
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < min)
    throw new ConfigurationError(key, value, `must be an integer >= ${min}`);
  return number;
}

function parseBoolean(key: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new ConfigurationError(key, value, 'must be true or false');
}

function parseSelector(value: string | undefined): string {
  if (value === undefined || value === '') return 'round_robin';
  const lower = value.toLowerCase();
  return lower === 'round_robin' || lower === 'random' ? lower : value;
}

/** The given `priority.<alias>` values as integers; uniqueness and the defaults are the resolver's. */
function parsePriorities(props: Record<string, string>, hosts: HostAddress[]): Record<string, number | undefined> {
  return Object.fromEntries(
    hosts.map((host) => [
      host.alias,
      parseInteger(`priority.${host.alias}`, props[`priority.${host.alias}`]?.trim(), Number.MIN_SAFE_INTEGER),
    ]),
  );
}

function reportUnknownKeys(props: Record<string, string>, hosts: HostAddress[], warn: WarningSink): void {
  const aliases = new Set(hosts.map((h) => h.alias));
  for (const key of Object.keys(props)) {
    if (KNOWN_KEYS.has(key)) continue;
    const ignored = IGNORED_KEYS.get(key);
    if (ignored !== undefined) {
      warn(ignored);
      continue;
    }
    const [prefix, alias] = splitOnce(key);
    if ((prefix === 'hosts' || prefix === 'priority' || prefix === 'health') && alias !== undefined) {
      if (!aliases.has(alias))
        throw new ConfigurationError(
          key,
          props[key],
          `names alias ${alias}, which is not in hosts (${[...aliases].join(' ')})`,
        );
      continue;
    }
    throw new ConfigurationError(
      key,
      props[key],
      `is not a client property this SDK knows${spellingHint(key)} (see docs/configuration.md); nothing is ignored silently`,
    );
  }
}

/** Keys that are valid but mean nothing with the other settings: Flume skips them quietly; we warn. */
function reportUnusedKeys(
  props: Record<string, string>,
  options: Readonly<ConnectionOptions>,
  hosts: readonly HostAddress[],
  warn: WarningSink,
): void {
  if (!anyTls(hosts, options.ssl)) {
    for (const key of SSL_ONLY_KEYS) if (key in props) warn(`${key} is set but ssl is not true: it has no effect`);
  }
  if (options.compressionType !== 'deflate' && 'compression-level' in props)
    warn('compression-level is set but compression-type is not deflate: it has no effect');
  if ('wire-layer-order' in props && !(options.ssl && options.compressionType === 'deflate')) {
    warn('wire-layer-order is set but only matters with both ssl = true and compression-type = deflate');
  }
}

/** Names the known key a misspelt one most likely meant: same letters, other case or separators. */
function spellingHint(key: string): string {
  const letters = (name: string): string => name.toLowerCase().replace(/[-_.]/g, '');
  const meant = [...KNOWN_KEYS, ...IGNORED_KEYS.keys(), ...SINK_ONLY_KEYS].find(
    (known) => letters(known) === letters(key),
  );
  return meant === undefined ? '' : `; did you mean ${meant}?`;
}

function splitOnce(key: string): [string, string | undefined] {
  const dot = key.indexOf('.');
  return dot < 0 ? [key, undefined] : [key.slice(0, dot), key.slice(dot + 1)];
}

function defaultWarn(message: string): void {
  process.emitWarning(message, { code: 'FLUME_RPC_CONFIG' });
}
