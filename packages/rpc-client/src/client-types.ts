/**
 * Teaches RpcClientFactory the multi-host client types. Imported by index.ts for its effect, so
 * the factory builds them whenever the package is loaded; kept apart so that factory.ts does not
 * import the clients (and they never import the factory).
 */
import { FailoverRpcClient } from './routing/failover-client.js';
import { registerClientType } from './factory.js';
import { LoadBalancingRpcClient } from './routing/load-balancing-client.js';

registerClientType('default_failover', (config) => new FailoverRpcClient(config));
registerClientType('default_loadbalance', (config) => new LoadBalancingRpcClient(config));
