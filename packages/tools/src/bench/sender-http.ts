import { HttpRpcClient } from '@flume-rpc/rpc-client';
import type { Sender } from './closed-loop.js';
import { promiseSender } from './promise-sender.js';
import type { Workload } from './workload.js';

/** As many connections as the undici peer opens: the scenario never has more than this in flight. */
export const HTTP_CONNECTIONS = 8;

/** What an application gets for an HTTP source: HttpRpcClient.appendBatch, one POST per batch. */
export function openHttpClientSender(port: number, workload: Workload): Promise<Sender> {
  const client = new HttpRpcClient({
    url: `http://127.0.0.1:${port}/`,
    maxInflight: HTTP_CONNECTIONS,
    batchSize: workload.batchSize,
  });
  const events = workload.events;
  // Any answer but 2xx rejects (HttpStatusError), so a resolved call is an acknowledged one.
  const call = async (): Promise<null> => {
    await client.appendBatch(events);
    return null;
  };
  // connect() posts `[]`: connection and source checked, no event sent, so setupRequests stays 0.
  return promiseSender({ call, close: () => client.close() }, client.connect());
}
