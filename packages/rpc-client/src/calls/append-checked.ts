import type { AvroFlumeEvent } from '@flume-rpc/netty-compat';
import type { SendOptions } from '../rpc-client.js';

/**
 * How a failover or load-balancing client hands a batch to one host's client: events it already
 * checked and copied (toWireEvents), which the host's client sends without checking or copying
 * them again. A symbol, so it stays out of the clients' public methods.
 */
export const appendChecked = Symbol('appendChecked');

export interface AppendsChecked {
  /** appendBatch for events already checked, owned by the callee from now on. */
  [appendChecked](events: AvroFlumeEvent[], options: SendOptions): Promise<void>;
}
