import type { FlumeRpcError } from '@flume-rpc/netty-compat';
import { HostUnhealthyError } from '../errors.js';
import type { FailoverClientConfig, HostAddress } from '../config/config.js';
import { HostPenalty } from './host-penalty.js';
import { type HostFailure, HostRouter } from './host-router.js';
import { type HostState, HostSlot } from './host-slot.js';
import type { MultiHostOptions } from '../config/multi-host-options.js';
import { resolveFailoverOptions } from '../config/resolve.js';
import { type RoutedClientEvents, RoutedRpcClient } from './routed-client.js';
import { watchHealth } from './host-health.js';

/** The events of every client (RpcClientEvents: 'error', each host's state, retries, ...), of every multi-host client ('health') and the failover's own. */
export interface FailoverRpcClientEvents extends RoutedClientEvents {
  /** Calls moved from `from` to the lower-priority `to` because `from` failed with `cause`. */
  failover: (from: HostAddress, to: HostAddress, cause: FlumeRpcError) => void;
  /** Calls moved back from `from` to the higher-priority `to`, which works again. */
  failback: (from: HostAddress, to: HostAddress) => void;
  /** An attempt on `host` failed; `coolDownUntil` is the end of its new cool-down (null: none added). */
  hostFailure: (host: HostAddress, error: FlumeRpcError, coolDownUntil: number | null) => void;
}

/**
 * The typed form: a FailoverClientConfig parsed from properties fits, and so does a hand-written
 * object with only `hosts`; every other field has Flume's default.
 */
export interface FailoverRpcClientOptions extends MultiHostOptions {
  /** `max-attempts`: hosts one call may try (default: all). */
  maxAttempts?: number;
  /** `priority.<alias>`: higher first, unique (default: the order of `hosts`). */
  priorities?: Record<string, number>;
  /** `maxpenalty` (ms, default 30000): the longest cool-down. */
  maxPenaltyMs?: number;
  /** The first cool-down (ms, default 1000); it doubles with each consecutive failure. */
  penaltyBaseMs?: number;
  /** A failure later than the previous cool-down + this (ms, default one hour: Flume's OrderSelector window) starts the count again. */
  penaltyGraceMs?: number;
}

/**
 * Sends every call to one host, the highest-priority one that works, and moves to the next when
 * it fails: Flume's FailoverRpcClient, with the failover sink processor's priorities, cool-downs
 * and failback. A call tries at most max-attempts hosts, each batch whole on one host; a batch a
 * host failed is sent whole to the next, so a host that committed it without answering gets it
 * twice (at-least-once). See docs/failover.md.
 */
export class FailoverRpcClient extends RoutedRpcClient<FailoverRpcClientEvents> {
  readonly maxAttempts: number;
  protected readonly router: HostRouter;
  private readonly byPriority: HostSlot[];
  /** The order when every host is ready: the priorities themselves, cut to max-attempts. */
  private readonly allReady: readonly HostSlot[];
  private current: HostSlot | null = null;
  private readonly now: () => number;

  constructor(config: FailoverRpcClientOptions | FailoverClientConfig) {
    super();
    const resolved = resolveFailoverOptions(config);
    this.now = (config as FailoverRpcClientOptions).now ?? Date.now;
    this.maxAttempts = resolved.maxAttempts;
    const slots = resolved.hostClients.map(
      (host) => new HostSlot(host, new HostPenalty(resolved.penalty, this.now), resolved.priorities[host.host.alias]),
    );
    // What the router uses of the options is what each host's client uses.
    const connection = resolved.hostClients[0]!.options;
    this.byPriority = [...slots].sort((a, b) => b.priority! - a.priority!);
    this.allReady = this.byPriority.slice(0, this.maxAttempts);
    this.router = new HostRouter(
      slots,
      {
        order: () => this.order(),
        onFailure: (slot, error, counted) => this.onFailure(slot, error, counted),
        onSuccess: (slot, failures, current) => {
          if (current) this.onSuccess(slot, failures);
        },
      },
      connection.batchSize,
      'Failover client',
      connection.callTimeoutMs,
      this.routerEvents,
    );
    watchHealth(slots, resolved.health, this.healthEvents);
  }

  /** The host calls go to now (the last one that succeeded); null before the first success. */
  get activeHost(): HostAddress | null {
    return this.current?.host ?? null;
  }

  /** Every host in priority order, with its cool-down, health, failures and counters. */
  hostStates(): HostState[] {
    return this.byPriority.map((slot) => slot.state(slot === this.current));
  }

  /**
   * Hosts out of cool-down by priority, then, as a last resort, the ones cooling down by the end
   * of their cool-down: a call never fails without trying a host it could have tried.
   */
  private order(): readonly HostSlot[] {
    // The usual case, every host ready: nothing is filtered, sorted or built per call.
    if (this.byPriority.every((slot) => slot.available())) return this.allReady;
    const ready = this.byPriority.filter((slot) => slot.available());
    const cooling = this.byPriority
      .filter((slot) => !slot.available())
      .sort((a, b) => (a.penalty.until ?? 0) - (b.penalty.until ?? 0));
    return [...ready, ...cooling].slice(0, this.maxAttempts);
  }

  private onFailure(slot: HostSlot, error: FlumeRpcError, counted: boolean): void {
    // As Flume does: a host that failed is closed; a later call reconnects after its cool-down.
    if (counted) slot.retire();
    this.emit('hostFailure', slot.host, error, counted ? slot.penalty.until : null);
  }

  private onSuccess(slot: HostSlot, failures: ReadonlyArray<HostFailure>): void {
    const previous = this.current;
    if (previous === slot) return;
    this.current = slot;
    const from = previous ?? failures[0]?.slot ?? null;
    if (!from || from === slot) return;
    if (slot.priority! > from.priority!) {
      this.emit('failback', from.host, slot.host);
      return;
    }
    // A host skipped for its health failed no call: its health is why calls moved.
    const unhealthy = from.healthy ? null : new HostUnhealthyError(from.label, from.healthReason);
    const cause = failures.find((f) => f.slot === from)?.error ?? unhealthy ?? from.lastError ?? failures[0]?.error;
    if (cause) this.emit('failover', from.host, slot.host, cause);
  }
}
