import { NettyAvroRpcClient, type NettyAvroRpcClientOptions } from '@flume-rpc/rpc-client';
import type { Sender } from './closed-loop.js';
import { promiseSender } from './promise-sender.js';
import type { Workload } from './workload.js';

/**
 * What an application gets: the whole NettyAvroRpcClient (validation, limiter, supervisor,
 * delivery ledger) over the Transceiver that the `ours` sender drives directly.
 */
export function openClientSender(
  port: number,
  workload: Workload,
  options: Partial<NettyAvroRpcClientOptions> = {},
): Promise<Sender> {
  const client = new NettyAvroRpcClient({
    host: '127.0.0.1',
    port,
    connectTimeoutMs: 5000,
    handshakeTimeoutMs: 5000,
    requestTimeoutMs: 10_000,
    batchSize: workload.batchSize,
    // Above any in-flight count the scenario uses, so the limiter never holds a call back.
    maxInflight: 64,
    ...options,
  });
  const events = workload.events;
  // A FAILED or UNKNOWN answer rejects (StatusError), so a resolved call is an acknowledged one.
  const call = async (): Promise<null> => {
    await client.appendBatch(events);
    return null;
  };
  return promiseSender({ call, close: () => client.close() }, client.connect());
}
