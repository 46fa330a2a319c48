/**
 * The public API of @flume-rpc/rpc-client: what users need and nothing else (docs/api.md lists
 * each export). Internals that tests reach are in ./internal.ts, which is not public.
 */
export {
  FlumeRpcError,
  AbortError,
  ConnectError,
  ConnectTimeoutError,
  ConnectionClosedError,
  HandshakeError,
  HandshakeTimeoutError,
  ProtocolError,
  RemoteError,
  RequestTimeoutError,
  TlsError,
  type TlsFailure,
  ConfigurationError,
  EventValidationError,
  StatusError,
  ClientClosedError,
  type CallPhase,
  CallTimeoutError,
  ClientBusyError,
  PartialBatchError,
  AllHostsFailedError,
  HttpStatusError,
  HostUnhealthyError,
} from './errors.js';
export { type Event, EventBuilder } from './event.js';
export type { RpcClient, RpcClientEvents, ClientCounters, RetryInfo, SendOptions, CloseOptions } from './rpc-client.js';
export type { ConnectivityState } from './client/connectivity.js';
export {
  type ClientConfig,
  type ConnectionOptions,
  type DefaultClientConfig,
  type FailoverClientConfig,
  type HostAddress,
  type HttpClientConfig,
  type HttpCharset,
  type LoadBalancingClientConfig,
  FLUME_DEFAULTS,
} from './config/config.js';
export { type FlumeProperties, parseClientProperties, readPropertiesFile } from './config/properties.js';
export { fromSinkSection } from './config/sink-properties.js';
export { RpcClientFactory, type FactoryOptions } from './factory.js';
export { NettyAvroRpcClient, type NettyAvroRpcClientOptions } from './client/netty-avro-client.js';
export { HttpRpcClient, type HttpRpcClientOptions } from './http/http-rpc-client.js';
export type { RoutedClientEvents } from './routing/routed-client.js';
export type { HealthReading } from './health/health-monitor.js';
export type { HealthInput } from './config/health-options.js';
export {
  FailoverRpcClient,
  type FailoverRpcClientEvents,
  type FailoverRpcClientOptions,
} from './routing/failover-client.js';
export {
  LoadBalancingRpcClient,
  type LoadBalancingRpcClientEvents,
  type LoadBalancingRpcClientOptions,
} from './routing/load-balancing-client.js';
export type { HostState } from './routing/host-slot.js';
export { type HostSelector, type HostSelectorFactory, registerHostSelector } from './routing/host-selector.js';
