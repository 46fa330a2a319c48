import { EventEmitter } from 'eventemitter3';
import type { Event } from '../event.js';
import type { HostRouter, MultiHostCounters } from './host-router.js';
import type { CloseOptions, RpcClient, SendOptions } from '../rpc-client.js';

/**
 * The RpcClient face of a client that spreads calls over hosts: everything goes through its
 * HostRouter; subclasses only decide the order of hosts and react to their failures.
 */
export abstract class RoutedRpcClient<Events extends EventEmitter.ValidEventTypes> extends EventEmitter<Events> implements RpcClient {
  protected abstract readonly router: HostRouter;

  get counters(): Readonly<MultiHostCounters> {
    return { ...this.router.counters };
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
}
