import { EventEmitter } from 'eventemitter3';
import type { Event } from '../event.js';
import type { HostRouter, RouterEvents } from './host-router.js';
import type { ClientCounters, CloseOptions, RpcClient, RpcClientEvents, SendOptions } from '../rpc-client.js';
import type { HostAddress } from '../config/config.js';
import type { HealthReading } from '../health/health-monitor.js';
import type { HealthListener } from './host-health.js';

/** The events of every client, and those of every multi-host client. */
export interface RoutedClientEvents extends RpcClientEvents {
  /**
   * A watched host's health verdict changed (healthy or not), or its first reading came: while
   * unhealthy the host is skipped as if cooling down. `reading` says why (fill levels, failures).
   */
  health: (host: HostAddress, reading: HealthReading) => void;
}

/**
 * The RpcClient face of a client that spreads calls over hosts: everything goes through its
 * HostRouter; subclasses only decide the order of hosts and react to their failures.
 */
export abstract class RoutedRpcClient<Events extends RoutedClientEvents>
  extends EventEmitter<Events>
  implements RpcClient
{
  protected abstract readonly router: HostRouter;

  /** What the router reports, emitted as this client's own events (for its constructor). */
  protected readonly routerEvents: RouterEvents = {
    error: (error) => this.emitShared('error', error),
    host: (name, args) => this.emitShared(name, ...args),
  };

  /** Where the hosts' health monitors report (for watchHealth in the constructor). */
  protected readonly healthEvents: HealthListener = (host, reading) => this.emitShared('health', host, reading);

  /**
   * The calls' counters, with the connection counters summed over the hosts and each host's own
   * counters under `hosts` (by alias).
   */
  get counters(): Readonly<ClientCounters> {
    const total: ClientCounters = {
      ...this.router.counters,
      connectionsOpened: 0,
      reconnects: 0,
      connectionResets: 0,
      connectFailures: 0,
      handshakeFailures: 0,
    };
    const hosts: Record<string, ClientCounters> = {};
    for (const slot of this.router.slots) {
      const host = slot.counters();
      hosts[slot.host.alias] = host;
      total.connectionsOpened += host.connectionsOpened;
      total.reconnects += host.reconnects;
      total.connectionResets += host.connectionResets;
      total.connectFailures += host.connectFailures;
      total.handshakeFailures += host.handshakeFailures;
    }
    total.hosts = hosts;
    return total;
  }

  /** Connects to the first host in this client's order that answers; AllHostsFailedError if none does. */
  connect(signal?: AbortSignal): Promise<void> {
    return this.router.connect(signal);
  }

  append(event: Event, options?: SendOptions): Promise<void> {
    return this.router.append(event, options);
  }

  appendBatch(events: Event[], options?: SendOptions): Promise<void> {
    return this.router.appendBatch(events, options);
  }

  getBatchSize(): number {
    return this.router.batchSize;
  }

  isActive(): boolean {
    return !this.router.closed;
  }

  /** Closes every host's client as a single client closes (see RpcClient.close). */
  close(options?: CloseOptions): Promise<void> {
    return this.router.close(options);
  }

  private emitShared(name: keyof RoutedClientEvents, ...args: unknown[]): void {
    (this.emit as (name: string, ...args: unknown[]) => boolean)(name, ...args);
  }
}
