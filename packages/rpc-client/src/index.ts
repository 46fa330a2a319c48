export * from './errors.js';
export { type Event, EventBuilder } from './event.js';
export type { RpcClient, SendOptions, CloseOptions, DeliveryCounters } from './rpc-client.js';
export type { ConnectivityState } from './connectivity.js';
export {
  type ClientConfig,
  type ConnectionOptions,
  type DefaultClientConfig,
  type FailoverClientConfig,
  type HostAddress,
  type LoadBalancingClientConfig,
  FLUME_DEFAULTS,
  defaultConnectionOptions,
} from './config.js';
export { type FlumeProperties, parseClientProperties, parsePropertiesText, readPropertiesFile } from './properties.js';
export { fromSinkSection } from './sink-properties.js';
export { Backoff, type BackoffOptions } from './backoff.js';
export type { RetryInfo, ConnectionCounters } from './connection-supervisor.js';
export {
  NettyAvroRpcClient,
  type NettyAvroRpcClientCounters,
  type NettyAvroRpcClientEvents,
  type NettyAvroRpcClientOptions,
} from './netty-avro-client.js';
export { RpcClientFactory, type FactoryOptions, registerClientType } from './factory.js';
export { FailoverRpcClient, type FailoverRpcClientEvents, type FailoverRpcClientOptions } from './failover-client.js';
export { LoadBalancingRpcClient, type LoadBalancingRpcClientEvents, type LoadBalancingRpcClientOptions } from './load-balancing-client.js';
export { type HostSelector, type HostSelectorFactory, RandomSelector, RoundRobinSelector, registerHostSelector } from './host-selector.js';
export { HostPenalty, type PenaltyPolicy } from './host-penalty.js';
export type { HostState } from './host-slot.js';
export type { MultiHostCounters } from './host-router.js';
export type { MultiHostOptions } from './multi-host-options.js';
import './client-types.js';
