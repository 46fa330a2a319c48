import { type ClientConfig, type ConnectionOptions, defaultConnectionOptions } from './config/config.js';
import { ConfigurationError } from './errors.js';
import { NettyAvroRpcClient } from './client/netty-avro-client.js';
import { HttpRpcClient } from './http/http-rpc-client.js';
import { FailoverRpcClient } from './routing/failover-client.js';
import { LoadBalancingRpcClient } from './routing/load-balancing-client.js';
import {
  type FlumeProperties,
  type WarningSink,
  parseClientProperties,
  readPropertiesFile,
} from './config/properties.js';
import type { RpcClient } from './rpc-client.js';

type ClientType = ClientConfig['clientType'];

/**
 * The client each `client.type` builds: Flume's three and the HTTP source's, known here and nowhere else (no
 * registration, no import for its effect). The clients never import the factory.
 */
const BUILDERS: { readonly [T in ClientType]: (config: Extract<ClientConfig, { clientType: T }>) => RpcClient } = {
  default: (config) => new NettyAvroRpcClient(config),
  http: (config) => new HttpRpcClient(config),
  default_failover: (config) => new FailoverRpcClient(config),
  default_loadbalance: (config) => new LoadBalancingRpcClient(config),
};

export interface FactoryOptions {
  /** Where unknown-key warnings go (default: process.emitWarning). */
  warn?: WarningSink;
  /** Connect and handshake before resolving, as Java's factory does (default true). */
  connect?: boolean;
}

/**
 * Builds clients from Flume's client properties, like flume-ng-sdk's RpcClientFactory. The
 * getInstance forms connect eagerly, so a wrong address fails here; create() is lazy.
 */
export const RpcClientFactory = {
  /** From properties (object or Map) or the path of a Java .properties file. */
  async getInstance(source: FlumeProperties | string, options: FactoryOptions = {}): Promise<RpcClient> {
    const properties = typeof source === 'string' ? await readPropertiesFile(source) : source;
    return connectIfAsked(RpcClientFactory.create(properties, options), options);
  },

  /** The default client for host:port, connected. */
  async getDefaultInstance(
    host: string,
    port: number,
    batchSize?: number,
    options: FactoryOptions = {},
  ): Promise<RpcClient> {
    const overrides: Partial<ConnectionOptions> = batchSize === undefined ? {} : { batchSize };
    return connectIfAsked(
      RpcClientFactory.fromConfig({
        clientType: 'default',
        host: { alias: 'h1', host, port },
        options: defaultConnectionOptions(overrides),
      }),
      options,
    );
  },

  /** A client from properties or a typed configuration, not yet connected (it connects on first use). */
  create(source: FlumeProperties | ClientConfig, options: FactoryOptions = {}): RpcClient {
    const config = isClientConfig(source) ? source : parseClientProperties(source, options.warn);
    return RpcClientFactory.fromConfig(config);
  },

  fromConfig(config: ClientConfig): RpcClient {
    // Own keys only: a clientType such as 'constructor' is not a client type.
    const builder = Object.hasOwn(BUILDERS, config.clientType)
      ? (BUILDERS[config.clientType] as (config: ClientConfig) => RpcClient)
      : undefined;
    if (!builder)
      throw new ConfigurationError(
        'client.type',
        config.clientType,
        `must be one of ${Object.keys(BUILDERS).join(', ')}`,
      );
    return builder(config);
  },
};

function isClientConfig(source: unknown): source is ClientConfig {
  return (
    typeof source === 'object' &&
    source !== null &&
    !(source instanceof Map) &&
    typeof (source as { clientType?: unknown }).clientType === 'string' &&
    typeof (source as { options?: unknown }).options === 'object'
  );
}

async function connectIfAsked(client: RpcClient, options: FactoryOptions): Promise<RpcClient> {
  if (options.connect === false) return client;
  try {
    await client.connect();
  } catch (err) {
    await client.close();
    throw err;
  }
  return client;
}
