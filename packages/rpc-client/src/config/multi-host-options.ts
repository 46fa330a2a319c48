import type { ConnectionOptions, HostAddress } from './config.js';
import type { MultiHostInput } from './resolve.js';

/** What FailoverRpcClient and LoadBalancingRpcClient both take, in their typed form. */
export interface MultiHostOptions extends MultiHostInput {
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
