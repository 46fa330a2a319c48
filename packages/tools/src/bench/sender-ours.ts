import { Transceiver } from '@flume-rpc/netty-compat';
import type { Sender } from './closed-loop.js';
import { promiseSender } from './promise-sender.js';
import type { Workload } from './workload.js';

/** Our wire client, as the policy layer will use it: one Transceiver, appendBatch per request. */
export function openOursSender(port: number, workload: Workload): Promise<Sender> {
  const transceiver = new Transceiver({
    host: '127.0.0.1',
    port,
    connectTimeoutMs: 5000,
    handshakeTimeoutMs: 5000,
    requestTimeoutMs: 10_000,
  });
  const events = workload.events;
  const call = async (): Promise<string | null> => {
    const status = await transceiver.appendBatch(events);
    return status === 'OK' ? null : `appendBatch answered ${status}`;
  };
  return promiseSender({ call, close: () => transceiver.close() }, transceiver.ready());
}
