import { type ConnectionOptions, type HostAddress, defaultConnectionOptions, validateHost } from './config.js';
import { ConfigurationError } from '../errors.js';

/** What FailoverRpcClient and LoadBalancingRpcClient both take, in their typed form. */
export interface MultiHostOptions {
  /** The hosts, in the order of the `hosts` property. */
  hosts: HostAddress[];
  /** Connection options for every host (Flume's keys: batch-size, connect-timeout, ...); defaults filled in. */
  options?: Partial<ConnectionOptions>;
  /**
   * Laid over `options` for each host's own client. Default `{ maxRetries: 0,
   * retryBackoffInitialMs: 0 }`: one connect+handshake attempt per host per call, no waiting
   * before it, because the multi-host client's own penalties decide when a host is tried again
   * and a call is better served by the next host than by a retry of the one that just failed.
   */
  hostConnection?: Partial<ConnectionOptions>;
  /** The clock penalties are measured on (ms), for tests. */
  now?: () => number;
}

export const DEFAULT_HOST_CONNECTION: Readonly<Partial<ConnectionOptions>> = Object.freeze({ maxRetries: 0, retryBackoffInitialMs: 0 });

/** Checks hosts from code as strictly as from properties: at least one, valid, aliases unique. */
export function checkHosts(hosts: readonly HostAddress[]): HostAddress[] {
  if (!Array.isArray(hosts) || hosts.length === 0) throw new ConfigurationError('hosts', hosts ?? null, 'must name at least one host');
  const seen = new Set<string>();
  return hosts.map((host) => {
    if (typeof host?.alias !== 'string' || host.alias === '') throw new ConfigurationError('hosts', host, 'every host needs an alias');
    if (seen.has(host.alias)) throw new ConfigurationError('hosts', host.alias, `alias ${host.alias} is listed twice`);
    seen.add(host.alias);
    return { ...validateHost(host) };
  });
}

/** The connection options of each host's client: the shared ones with the per-host layer on top. */
export function hostConnectionOptions(options: Partial<ConnectionOptions> | undefined, layer: Partial<ConnectionOptions> | undefined): ConnectionOptions {
  const base = defaultConnectionOptions(options ?? {});
  return defaultConnectionOptions({ ...base, ...(layer ?? DEFAULT_HOST_CONNECTION) });
}
