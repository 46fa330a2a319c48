import type { EventBatch } from '@flume-rpc/netty-compat';
import type { SendOptions } from '../rpc-client.js';

/**
 * How a failover or load-balancing client hands a batch to one host's client: events it already
 * checked, measured and copied (toEventBatch), which the host's client sends without doing any
 * of that again. A symbol, so it stays out of the clients' public methods.
 */
export const appendChecked = Symbol('appendChecked');

export interface AppendsChecked {
  /** appendBatch for events already checked, owned by the callee from now on. */
  [appendChecked](events: EventBatch, options: SendOptions): Promise<void>;
}
