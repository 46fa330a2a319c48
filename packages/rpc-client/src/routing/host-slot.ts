import { type FlumeRpcError, formatAddress } from '@flume-rpc/netty-compat';
import type { HostAddress } from '../config/config.js';
import type { ResolvedHostClient } from '../config/resolve.js';
import type { ConnectivityState } from '../client/connectivity.js';
import { ClientClosedError } from '../errors.js';
import type { HostPenalty } from './host-penalty.js';
import type { HealthMonitor, HealthReading } from '../health/health-monitor.js';
import { NettyAvroRpcClient } from '../client/netty-avro-client.js';
import { HttpRpcClient } from '../http/http-rpc-client.js';
import { zeroConnectionCounters } from '../client/connection-supervisor.js';
import { zeroLedgerCounters } from '../calls/delivery-ledger.js';
import {
  type ClientCounters,
  type CloseOptions,
  CONNECTION_EVENTS,
  type ConnectionEventName,
  type RpcClient,
} from '../rpc-client.js';
import type { AppendsChecked } from '../calls/append-checked.js';

/** One host's own client, Avro or HTTP: the RpcClient contract, its connectivity, and checked batches. */
export type HostClient = RpcClient & AppendsChecked & { readonly state: ConnectivityState };

/** What a failover or load-balancing client knows about one of its hosts, as of now. */
export interface HostState {
  alias: string;
  host: string;
  port: number;
  /** host:port */
  address: string;
  /** Failover: higher is tried first. Load balancing: null. */
  priority: number | null;
  /** Failover: this is the host calls go to now. Load balancing: the host is in the rotation (not excluded). */
  active: boolean;
  /** Clock time until which the host is skipped (cool-down or backoff); null when it is not. */
  excludedUntil: number | null;
  consecutiveFailures: number;
  /** The length of the last cool-down or exclusion the host earned (ms; 0 when none). */
  penaltyMs: number;
  /** The last failure's message, if the host ever failed. */
  lastError: string | null;
  /** The host's connection as of now: 'idle' before first use and between clients, 'shutdown' after close(). */
  connectivity: ConnectivityState;
  /** Calls (appends, batches, connects) tried on this host, and how they ended. */
  attempts: number;
  successes: number;
  failures: number;
  /** Counters of the host's client (Avro or HTTP), summed over every client it has had. */
  counters: ClientCounters;
  /** The agent's last health reading (`health.<alias>`); null when the host is not watched or not yet polled. */
  health: HealthReading | null;
}

/** Taken when an attempt starts: its outcome counts only if nothing was recorded for the host since. */
export interface AttemptToken {
  readonly epoch: number;
  readonly probe: boolean;
}

/** Hands an event of the host's current client on, as the multi-host client's own. */
export type HostEventRelay = (name: ConnectionEventName, args: unknown[]) => void;

/** A client's on/off for an event name known only at run time (RpcClient types one overload per name). */
function byName(client: HostClient): {
  on(name: ConnectionEventName, listener: (...args: unknown[]) => void): unknown;
  off(name: ConnectionEventName, listener: (...args: unknown[]) => void): unknown;
} {
  return client;
}

function zeroCounters(): ClientCounters {
  return { ...zeroLedgerCounters(), ...zeroConnectionCounters() };
}

function addCounters(into: ClientCounters, from: Readonly<ClientCounters>): void {
  for (const key of Object.keys(into) as Array<Exclude<keyof ClientCounters, 'hosts'>>) into[key] += from[key];
}

/**
 * One host of a failover or load-balancing client: its NettyAvroRpcClient (created on first use,
 * replaceable), its penalty and its counters. Retiring the client closes it in the background
 * (calls in flight on it finish) and the next use gets a fresh one.
 */
export class HostSlot {
  readonly address: string;
  readonly stats = { attempts: 0, successes: 0, failures: 0 };
  lastError: FlumeRpcError | null = null;
  private client: HostClient | null = null;
  private readonly retiring = new Map<HostClient, Promise<void>>();
  private readonly retired = zeroCounters();
  private probes = 0;
  /** The last counted outcome was a failure: the next attempt is a probe. */
  private failing = false;
  private closed = false;
  /** The agent's health, when `health.<alias>` names its metrics: while unhealthy the host is skipped as if cooling down. */
  private health: HealthMonitor | null = null;
  /** Set by the multi-host client: where the current client's connection events go. */
  relay: HostEventRelay | null = null;
  private readonly forwarders = CONNECTION_EVENTS.map(
    (name) => [name, (...args: unknown[]) => this.relay?.(name, args)] as const,
  );

  readonly host: HostAddress;

  constructor(
    /** The host and its client's options, resolved by the failover or load-balancing client's options. */
    private readonly resolved: ResolvedHostClient,
    readonly penalty: HostPenalty,
    readonly priority: number | null = null,
  ) {
    this.host = resolved.host;
    this.address = formatAddress(this.host.host, this.host.port);
  }

  /** "alias (host:port)", as errors name the host. */
  get label(): string {
    return `${this.host.alias} (${this.address})`;
  }

  /** A host that failed and has not succeeded since. */
  get suspect(): boolean {
    return this.penalty.enabled && this.failing;
  }

  /** False while the agent's metrics say it is unhealthy (a full channel, or metrics unreachable). */
  get healthy(): boolean {
    return this.health?.healthy ?? true;
  }

  /** Why the host is (un)healthy, from its last health reading. */
  get healthReason(): string {
    return this.health?.reading?.reason ?? 'not watched';
  }

  /** Watches the agent's health from now on; stopped when the slot closes. */
  watch(monitor: HealthMonitor): void {
    this.health = monitor;
  }

  /**
   * Whether calls should go here now: healthy, not excluded, and not a suspect host that another
   * call is already probing (one probe at a time; the other calls go elsewhere meanwhile).
   */
  available(): boolean {
    return this.healthy && !this.penalty.excluded() && !(this.suspect && this.probes > 0);
  }

  /** The current client, created if there is none. */
  obtain(): HostClient {
    if (this.closed) throw new ClientClosedError(`Client for ${this.address} is closed`);
    if (!this.client) {
      this.client =
        this.resolved.clientType === 'http' ? new HttpRpcClient(this.resolved) : new NettyAvroRpcClient(this.resolved);
      for (const [name, forward] of this.forwarders) byName(this.client).on(name, forward);
    }
    return this.client;
  }

  beginAttempt(): AttemptToken {
    this.stats.attempts += 1;
    const probe = this.suspect;
    if (probe) this.probes += 1;
    return { epoch: this.penalty.epoch, probe };
  }

  /** The attempt ended in a way that says nothing about the host (the caller aborted). */
  abandoned(token: AttemptToken): void {
    this.endAttempt(token);
  }

  /**
   * Records a success. Returns false, and changes nothing, when a failure was recorded for the host
   * after the attempt began (a call that was already in flight when the host failed).
   */
  succeeded(token: AttemptToken): boolean {
    this.endAttempt(token);
    this.stats.successes += 1;
    if (token.epoch !== this.penalty.epoch) return false;
    this.failing = false;
    this.penalty.recordSuccess();
    return true;
  }

  /**
   * Records a failure. `penalise` false for failures that say nothing about the host (it was busy,
   * its client was being replaced). Returns true when the failure counted against the host: a
   * failure of an attempt that began before the host's last recorded failure is the same incident
   * (calls pipelined on one connection all fail when it drops) and is not counted again.
   */
  failed(token: AttemptToken, error: FlumeRpcError, penalise: boolean): boolean {
    this.endAttempt(token);
    this.stats.failures += 1;
    this.lastError = error;
    if (!penalise || token.epoch !== this.penalty.epoch) return false;
    this.failing = true;
    this.penalty.recordFailure();
    return true;
  }

  /**
   * Closes the current client in the background (its written calls may finish, its waiting ones
   * move on at once); the next use opens a new one.
   */
  retire(options?: CloseOptions): void {
    const client = this.client;
    if (!client) return;
    this.client = null;
    // A retired client's closing is not the host's news (its next client starts from idle); at close() it is.
    if (!this.closed) for (const [name, forward] of this.forwarders) byName(client).off(name, forward);
    const closing = client.close(options).then(() => {
      addCounters(this.retired, client.counters);
      this.retiring.delete(client);
    });
    this.retiring.set(client, closing);
  }

  get connectivity(): ConnectivityState {
    if (this.closed) return 'shutdown';
    return this.client?.state ?? 'idle';
  }

  counters(): ClientCounters {
    const total = zeroCounters();
    addCounters(total, this.retired);
    for (const client of this.retiring.keys()) addCounters(total, client.counters);
    if (this.client) addCounters(total, this.client.counters);
    return total;
  }

  state(active: boolean): HostState {
    return {
      alias: this.host.alias,
      host: this.host.host,
      port: this.host.port,
      address: this.address,
      priority: this.priority,
      active,
      excludedUntil: this.penalty.until,
      consecutiveFailures: this.penalty.consecutiveFailures,
      penaltyMs: this.penalty.lastPenalty,
      lastError: this.lastError?.message ?? null,
      connectivity: this.connectivity,
      attempts: this.stats.attempts,
      successes: this.stats.successes,
      failures: this.stats.failures,
      counters: this.counters(),
      health: this.health?.reading ?? null,
    };
  }

  /** Closes the client and waits for retired ones to finish closing; `options` reach them all (a force cuts every one). */
  async close(options?: CloseOptions): Promise<void> {
    this.closed = true;
    const stopping = this.health?.stop();
    this.retire(options);
    for (const client of this.retiring.keys()) void client.close(options);
    await Promise.allSettled([...this.retiring.values(), stopping]);
  }

  private endAttempt(token: AttemptToken): void {
    if (token.probe) this.probes -= 1;
  }
}
