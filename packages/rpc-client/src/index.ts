export * from './errors.js';
export { type Event, EventBuilder } from './event.js';
export type { RpcClient, RpcClientEvents, ClientCounters, RetryInfo, SendOptions, CloseOptions, DeliveryCounters } from './rpc-client.js';
export type { ConnectivityState } from './client/connectivity.js';
export {
  type ClientConfig,
  type ConnectionOptions,
  type DefaultClientConfig,
  type FailoverClientConfig,
  type HostAddress,
  type LoadBalancingClientConfig,
  FLUME_DEFAULTS,
  defaultConnectionOptions,
} from './config/config.js';
export { type FlumeProperties, parseClientProperties, parsePropertiesText, readPropertiesFile } from './config/properties.js';
export { fromSinkSection } from './config/sink-properties.js';
export { Backoff, type BackoffOptions } from './client/backoff.js';
export type { ConnectionCounters } from './client/connection-supervisor.js';
export {
  NettyAvroRpcClient,
  type NettyAvroRpcClientOptions,
} from './client/netty-avro-client.js';
export { RpcClientFactory, type FactoryOptions } from './factory.js';
export { FailoverRpcClient, type FailoverRpcClientEvents, type FailoverRpcClientOptions } from './routing/failover-client.js';
export { LoadBalancingRpcClient, type LoadBalancingRpcClientEvents, type LoadBalancingRpcClientOptions } from './routing/load-balancing-client.js';
export { type HostSelector, type HostSelectorFactory, RandomSelector, RoundRobinSelector, registerHostSelector } from './routing/host-selector.js';
export { HostPenalty, type PenaltyPolicy } from './routing/host-penalty.js';
export type { HostState } from './routing/host-slot.js';
export type { MultiHostCounters } from './routing/host-router.js';
export type { MultiHostOptions } from './config/multi-host-options.js';
