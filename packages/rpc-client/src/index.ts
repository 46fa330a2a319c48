export * from './errors.js';
export { type Event, EventBuilder } from './event.js';
export type { RpcClient, SendOptions, DeliveryCounters } from './rpc-client.js';
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
export { Backoff, type BackoffOptions } from './backoff.js';
export type { RetryInfo, ConnectionCounters } from './connection-supervisor.js';
export {
  NettyAvroRpcClient,
  type NettyAvroRpcClientCounters,
  type NettyAvroRpcClientEvents,
  type NettyAvroRpcClientOptions,
} from './netty-avro-client.js';
export { RpcClientFactory, type FactoryOptions, registerClientType } from './factory.js';
export { AvroSourceServer, type FaultPlan } from '@flume-rpc/netty-compat';
