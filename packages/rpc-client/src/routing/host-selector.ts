import type { FlumeRpcError } from '@flume-rpc/netty-compat';
import type { HostAddress } from '../config/config.js';
import { ConfigurationError } from '../errors.js';

/**
 * Decides, for each call of a LoadBalancingRpcClient, the order in which it tries the hosts: the
 * `host-selector` of Flume's client, as an object instead of a Java class name. Exclusion of failed
 * hosts (`backoff`) is the client's job and happens before select() is asked, so a selector only
 * orders.
 */
export interface HostSelector {
  /**
   * The hosts one call tries, in order. `hosts` are those not excluded by backoff, in the order of
   * the `hosts` property. A host left out is not tried by this call (unless every host is
   * excluded, when the client still tries the excluded ones last).
   */
  select(hosts: readonly HostAddress[]): readonly HostAddress[];
  /** A call to `host` failed; the call goes on to the next host. */
  informFailure?(host: HostAddress, error: FlumeRpcError): void;
  /** A call to `host` succeeded. */
  informSuccess?(host: HostAddress): void;
}

/** Each call starts one host further along, as Flume's RoundRobinOrderSelector does. */
export class RoundRobinSelector implements HostSelector {
  private next = 0;

  select(hosts: readonly HostAddress[]): HostAddress[] {
    const size = hosts.length;
    if (size === 0) return [];
    // The list shrinks and grows as hosts are excluded and restored: keep the head in range.
    if (this.next >= size) this.next = 0;
    const begin = this.next;
    this.next = (this.next + 1) % size;
    return hosts.map((_, i) => hosts[(begin + i) % size]!);
  }
}

/** A fresh random order for each call (Flume's RandomOrderSelector). */
export class RandomSelector implements HostSelector {
  constructor(private readonly random: () => number = Math.random) {}

  select(hosts: readonly HostAddress[]): HostAddress[] {
    const order = [...hosts];
    for (let i = order.length - 1; i > 0; i -= 1) {
      const j = Math.floor(this.random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return order;
  }
}

export type HostSelectorFactory = () => HostSelector;

/** Flume's two selectors, built in: known here, not registered by anyone. */
const BUILT_IN: Readonly<Record<string, HostSelectorFactory>> = Object.freeze({
  round_robin: () => new RoundRobinSelector(),
  random: () => new RandomSelector(),
});

/** Selectors the application named with registerHostSelector (a name may replace a built-in one). */
const registered = new Map<string, HostSelectorFactory>();

/**
 * Makes `host-selector = <name>` in properties build this selector (names are case-insensitive),
 * standing in for Flume's custom selector class name.
 */
export function registerHostSelector(name: string, factory: HostSelectorFactory): void {
  registered.set(name.toLowerCase(), factory);
}

/** The selector `host-selector` names (round_robin, random, or a registered one), or the object given. */
export function resolveHostSelector(selector: string | HostSelector): HostSelector {
  if (typeof selector !== 'string') {
    if (typeof selector?.select !== 'function')
      throw new ConfigurationError('host-selector', String(selector), 'must be a name or an object with select(hosts)');
    return selector;
  }
  const name = selector.toLowerCase();
  const factory = registered.get(name) ?? (Object.hasOwn(BUILT_IN, name) ? BUILT_IN[name] : undefined);
  if (!factory) {
    const known = new Set([...Object.keys(BUILT_IN), ...registered.keys()]);
    throw new ConfigurationError(
      'host-selector',
      selector,
      `must be round_robin, random or a selector registered with registerHostSelector (known: ${[...known].join(', ')})`,
    );
  }
  return factory();
}
