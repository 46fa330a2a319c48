import { NettyAvroRpcClient } from '../netty-avro-client.js';
import type { Sender } from './closed-loop.js';
import type { Workload } from './workload.js';

/**
 * What an application gets: the whole NettyAvroRpcClient (validation, limiter, supervisor,
 * delivery ledger) over the Transceiver that the `ours` sender drives directly.
 */
export async function openClientSender(port: number, workload: Workload): Promise<Sender> {
  const client = new NettyAvroRpcClient({
    host: '127.0.0.1',
    port,
    connectTimeoutMs: 5000,
    handshakeTimeoutMs: 5000,
    requestTimeoutMs: 10_000,
    batchSize: workload.batchSize,
    // Above any in-flight count the scenario uses, so the limiter never holds a call back.
    maxInflight: 64,
  });
  try {
    await client.connect();
  } catch (err) {
    await client.close();
    throw err;
  }
  const events = workload.events;
  return {
    setupRequests: 0, // connect() completes the handshake with a ping, which carries no events
    send(done) {
      client.appendBatch(events).then(
        () => done(null),
        (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
      );
    },
    close: () => client.close(),
  };
}
