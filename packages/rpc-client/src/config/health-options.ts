import { type HostAddress, parseHostUrl, requireInteger } from './config.js';
import { ConfigurationError } from '../errors.js';

/** Agent health from Flume's HTTP monitoring (`GET /metrics`), as given in code or properties. */
export interface HealthInput {
  /** `health.<alias>`: the agent's metrics URL (e.g. http://agent-1:34545/metrics), per host; hosts without one are not polled. */
  urls: Readonly<Record<string, string>>;
  /** `health-interval` (ms, default 5000): time between the end of one poll and the next. */
  intervalMs?: number;
  /** `health-max-channel-fill` (percent, default 90): a host whose agent has a channel fuller than this is skipped. */
  maxChannelFill?: number;
  /** Polls that fail in a row before the host counts as unhealthy (default 3). */
  failuresBeforeUnhealthy?: number;
}

/** What each host's HealthMonitor runs on: checked, defaulted and frozen. */
export interface HealthPolicy {
  readonly urls: Readonly<Record<string, string>>;
  readonly intervalMs: number;
  readonly maxChannelFill: number;
  /** One poll's bound: the interval, or the request timeout when that is shorter. */
  readonly timeoutMs: number;
  readonly failuresBeforeUnhealthy: number;
}

export const HEALTH_DEFAULTS = Object.freeze({ intervalMs: 5_000, maxChannelFill: 90, failuresBeforeUnhealthy: 3 });

/** Checks the health settings against the hosts; null when no host has a metrics URL. */
export function resolveHealth(
  input: HealthInput | undefined,
  hosts: readonly HostAddress[],
  requestTimeoutMs: number,
): HealthPolicy | null {
  if (input === undefined) return null;
  const aliases = new Set(hosts.map((host) => host.alias));
  const urls: Record<string, string> = {};
  for (const [alias, url] of Object.entries(input.urls ?? {})) {
    const key = `health.${alias}`;
    if (!aliases.has(alias))
      throw new ConfigurationError(key, url, `names alias ${alias}, which is not in hosts (${[...aliases].join(' ')})`);
    urls[alias] = parseHostUrl(key, alias, url).url!;
  }
  const intervalMs = requireInteger('health-interval', input.intervalMs ?? HEALTH_DEFAULTS.intervalMs, 1);
  const maxChannelFill = input.maxChannelFill ?? HEALTH_DEFAULTS.maxChannelFill;
  if (typeof maxChannelFill !== 'number' || !(maxChannelFill >= 0 && maxChannelFill <= 100))
    throw new ConfigurationError('health-max-channel-fill', maxChannelFill, 'must be a percentage from 0 to 100');
  const failuresBeforeUnhealthy = requireInteger(
    'failuresBeforeUnhealthy',
    input.failuresBeforeUnhealthy ?? HEALTH_DEFAULTS.failuresBeforeUnhealthy,
    1,
  );
  if (Object.keys(urls).length === 0) {
    // Interval or threshold with no URL to poll would be keys nobody acts on.
    if (input.intervalMs !== undefined)
      throw new ConfigurationError('health-interval', input.intervalMs, 'is set but no health.<alias> URL is');
    if (input.maxChannelFill !== undefined)
      throw new ConfigurationError(
        'health-max-channel-fill',
        input.maxChannelFill,
        'is set but no health.<alias> URL is',
      );
    return null;
  }
  return Object.freeze({
    urls: Object.freeze(urls),
    intervalMs,
    maxChannelFill,
    timeoutMs: Math.min(intervalMs, requestTimeoutMs),
    failuresBeforeUnhealthy,
  });
}
