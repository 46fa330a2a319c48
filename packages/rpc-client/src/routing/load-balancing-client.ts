import type { FlumeRpcError } from '@flume-rpc/netty-compat';
import type { HostAddress, LoadBalancingClientConfig } from '../config/config.js';
import { HostPenalty } from './host-penalty.js';
import { HostRouter } from './host-router.js';
import { type HostSelector, RandomSelector, resolveHostSelector } from './host-selector.js';
import { type HostState, HostSlot } from './host-slot.js';
import type { MultiHostOptions } from '../config/multi-host-options.js';
import { resolveLoadBalancingOptions } from '../config/resolve.js';
import { type RoutedClientEvents, RoutedRpcClient } from './routed-client.js';
import { watchHealth } from './host-health.js';

/** The events of every client (RpcClientEvents: 'error', each host's state, retries, ...), of every multi-host client ('health') and the load balancer's own. */
export interface LoadBalancingRpcClientEvents extends RoutedClientEvents {
  /** An attempt on `host` failed; with backoff on, `excludedUntil` ends its new exclusion (else null). */
  hostFailure: (host: HostAddress, error: FlumeRpcError, excludedUntil: number | null) => void;
}

/**
 * The typed form: a LoadBalancingClientConfig parsed from properties fits, and so does a
 * hand-written object with only `hosts`; every other field has Flume's default.
 */
export interface LoadBalancingRpcClientOptions extends MultiHostOptions {
  /** `host-selector`: round_robin (default), random (any case), a name registered with registerHostSelector, or a selector object. */
  hostSelector?: string | HostSelector;
  /** `backoff` (default false): leave a failed host out for a time growing with consecutive failures. */
  backoff?: boolean;
  /** `maxBackoff` (ms, default 30000, also for 0 as in Flume): the longest exclusion. */
  maxBackoffMs?: number;
  /** The first exclusion (ms, default 2000 as Flume's OrderSelector: `1000 << 1`); it doubles with each consecutive failure. */
  backoffBaseMs?: number;
  /** A failure later than the previous exclusion + this (ms, default one hour: Flume's CONSIDER_SEQUENTIAL_RANGE) starts the count again. */
  backoffGraceMs?: number;
  /** The random source of the `random` selector, for tests. */
  random?: () => number;
}

/**
 * Spreads calls over several hosts (Flume's LoadBalancingRpcClient): each call asks the host
 * selector for an order and tries the hosts in it until one acknowledges, so concurrent calls go
 * to different hosts at once. With backoff, a host that failed is left out for 2 s, 4 s, 8 s ...
 * up to maxBackoff. A batch is sent whole to one host; one that failed is sent whole to the next
 * (at-least-once). See docs/failover.md.
 */
export class LoadBalancingRpcClient extends RoutedRpcClient<LoadBalancingRpcClientEvents> {
  readonly backoff: boolean;
  readonly selector: HostSelector;
  protected readonly router: HostRouter;
  private readonly byAlias: Map<string, HostSlot>;

  constructor(config: LoadBalancingRpcClientOptions | LoadBalancingClientConfig) {
    super();
    const options = config as LoadBalancingRpcClientOptions;
    const resolved = resolveLoadBalancingOptions(config);
    // A selector object is used as it is; a name is looked up in the registry.
    const selectorOption =
      typeof options.hostSelector === 'object' && options.hostSelector !== null
        ? options.hostSelector
        : resolved.hostSelector;
    this.selector =
      options.random && typeof selectorOption === 'string' && selectorOption.toLowerCase() === 'random'
        ? new RandomSelector(options.random)
        : resolveHostSelector(selectorOption);
    this.backoff = resolved.backoff;
    const now = options.now ?? Date.now;
    const slots = resolved.hostClients.map((host) => new HostSlot(host, new HostPenalty(resolved.penalty, now)));
    // What the router uses of the options is what each host's client uses.
    const connection = resolved.hostClients[0]!.options;
    this.byAlias = new Map(slots.map((slot) => [slot.host.alias, slot]));
    this.router = new HostRouter(
      slots,
      {
        order: () => this.order(),
        onFailure: (slot, error, counted) => {
          this.selector.informFailure?.(slot.host, error);
          this.emit('hostFailure', slot.host, error, counted ? slot.penalty.until : null);
        },
        onSuccess: (slot) => this.selector.informSuccess?.(slot.host),
      },
      connection.batchSize,
      'Load-balancing client',
      connection.callTimeoutMs,
      this.routerEvents,
    );
    watchHealth(slots, resolved.health, this.healthEvents);
  }

  /** Every host in `hosts` order, with its exclusion, health, failures and counters. */
  hostStates(): HostState[] {
    return this.router.slots.map((slot) => slot.state(!slot.penalty.excluded() && slot.healthy));
  }

  /**
   * The selector's order over the hosts not excluded; then, as a last resort, the excluded ones by
   * the end of their exclusion, so a call never fails without trying a host it could have tried.
   */
  private order(): HostSlot[] {
    const slots = this.router.slots;
    const open = slots.filter((slot) => slot.available());
    const chosen: HostSlot[] = [];
    for (const host of this.selector.select(open.map((slot) => slot.host))) {
      const slot = host ? this.byAlias.get(host.alias) : undefined;
      if (slot && !chosen.includes(slot)) chosen.push(slot);
    }
    const excluded = slots
      .filter((slot) => !slot.available() && !chosen.includes(slot))
      .sort((a, b) => (a.penalty.until ?? 0) - (b.penalty.until ?? 0));
    return [...chosen, ...excluded];
  }
}
