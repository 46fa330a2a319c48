import { Transceiver } from '@flume-rpc/netty-compat';
import type { Sender } from './closed-loop.js';
import type { Workload } from './workload.js';

/** Our wire client, as the policy layer will use it: one Transceiver, appendBatch per request. */
export async function openOursSender(port: number, workload: Workload): Promise<Sender> {
  const transceiver = new Transceiver({
    host: '127.0.0.1',
    port,
    connectTimeoutMs: 5000,
    handshakeTimeoutMs: 5000,
    requestTimeoutMs: 10_000,
  });
  try {
    await transceiver.ready();
  } catch (err) {
    transceiver.close();
    throw err;
  }
  const events = workload.events;
  return {
    setupRequests: 0, // ready() completes the handshake with a ping, which carries no events
    send(done) {
      transceiver.appendBatch(events).then(
        (status) => done(status === 'OK' ? null : new Error(`appendBatch answered ${status}`)),
        (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
      );
    },
    async close() {
      transceiver.close();
    },
  };
}
