import { type ConnectionOptions, type HostAddress, hostTransport } from './config.js';
import { ConfigurationError } from '../errors.js';

/**
 * Options only one transport acts on, with their property key. One set for hosts that speak
 * neither is an error naming it (a key nobody acts on is never accepted silently); in a client
 * with hosts of both kinds each option applies to its own kind.
 */
const AVRO_ONLY: ReadonlyArray<[keyof ConnectionOptions, string]> = [
  ['handshakeTimeoutMs', 'handshake-timeout'],
  ['resetConnectionIntervalMs', 'reset-connection-interval'],
  ['compressionType', 'compression-type'],
  ['compressionLevel', 'compression-level'],
  ['wireLayerOrder', 'wire-layer-order'],
];
const HTTP_ONLY: ReadonlyArray<[keyof ConnectionOptions, string]> = [
  ['charset', 'charset'],
  ['pipelining', 'pipelining'],
];

/**
 * Checks the options someone gave (not the defaults) against the hosts they are for; a value equal
 * to its default is let through, since it asks for nothing. `ssl` is a
 * security key: with HTTP hosts the URL's scheme decides, so `ssl = true` beside an `http://`
 * URL (events would go in clear) and `ssl = false` beside an `https://` one are refused.
 */
export function checkTransportFit(
  hosts: readonly HostAddress[],
  given: Partial<ConnectionOptions>,
  defaults: Readonly<ConnectionOptions>,
): void {
  const http = hosts.filter((host) => hostTransport(host) === 'http');
  const avro = hosts.length - http.length;
  if (avro === 0)
    refuseGiven(given, defaults, AVRO_ONLY, 'applies only to Avro hosts (host:port); every host here is an HTTP URL');
  if (http.length === 0)
    refuseGiven(given, defaults, HTTP_ONLY, 'applies only to HTTP hosts (http:// or https:// URLs)');
  if (given.ssl === undefined) return;
  for (const host of http) {
    const tls = host.url!.startsWith('https:');
    if (given.ssl && !tls)
      throw new ConfigurationError(
        'ssl',
        true,
        `hosts.${host.alias} is ${host.url}: use https:// for TLS, events are never sent in clear when ssl = true`,
      );
    if (!given.ssl && tls)
      throw new ConfigurationError('ssl', false, `hosts.${host.alias} is ${host.url}, which is TLS: the URL decides`);
  }
}

/** A value equal to the default changes nothing (typed options are often spread from a full set): only others are refused. */
function refuseGiven(
  given: Partial<ConnectionOptions>,
  defaults: Readonly<ConnectionOptions>,
  fields: ReadonlyArray<[keyof ConnectionOptions, string]>,
  reason: string,
): void {
  for (const [field, key] of fields) {
    const value = given[field];
    if (value !== undefined && value !== defaults[field]) throw new ConfigurationError(key, value, reason);
  }
}

/** Whether any host's connection uses TLS: an Avro host with ssl, or an https:// URL. */
export function anyTls(hosts: readonly HostAddress[], ssl: boolean): boolean {
  return hosts.some((host) => (hostTransport(host) === 'http' ? host.url!.startsWith('https:') : ssl));
}
