import {
  type ConnectionOptions,
  NettyAvroRpcClient,
  type NettyAvroRpcClientOptions,
  type RpcClient,
} from '@flume-rpc/rpc-client';
import type { Sender } from './closed-loop.js';
import { promiseSender } from './promise-sender.js';
import type { Workload } from './workload.js';

/** The connection options every bench client built on NettyAvroRpcClient uses, per host. */
export function benchConnectionOptions(workload: Workload): Partial<ConnectionOptions> {
  return {
    connectTimeoutMs: 5000,
    handshakeTimeoutMs: 5000,
    requestTimeoutMs: 10_000,
    batchSize: workload.batchSize,
    // Above any in-flight count the scenario uses, so the limiter never holds a call back.
    maxInflight: 64,
  };
}

/**
 * What an application gets: the whole NettyAvroRpcClient (validation, limiter, supervisor,
 * delivery ledger) over the Transceiver that the `ours` sender drives directly.
 */
export function openClientSender(
  port: number,
  workload: Workload,
  options: Partial<NettyAvroRpcClientOptions> = {},
): Promise<Sender> {
  const client = new NettyAvroRpcClient({ host: '127.0.0.1', port, ...benchConnectionOptions(workload), ...options });
  return rpcClientSender(client, workload);
}

/** Any public RpcClient driven as a Sender: connected first, then one appendBatch of the workload per send. */
export function rpcClientSender(client: RpcClient, workload: Workload): Promise<Sender> {
  const events = workload.events;
  // A FAILED or UNKNOWN answer rejects (StatusError), so a resolved call is an acknowledged one.
  const call = async (): Promise<null> => {
    await client.appendBatch(events);
    return null;
  };
  return promiseSender({ call, close: () => client.close() }, client.connect());
}
