import { Pool } from 'undici';
import { asError } from '@flume-rpc/netty-compat';
import type { Sender } from './closed-loop.js';
import { HTTP_CONNECTIONS } from './sender-http.js';
import type { Workload } from './workload.js';

/**
 * The peer HttpRpcClient is compared with: what a careful hand-written sender does over a plain
 * undici Pool with the same connections and no pipelining. It encodes each batch per call, as
 * the client must (events differ from call to call in real use), posts it with pool.request and
 * reads the answer to the end so the connection can be reused. No retries, limits or counters.
 */
export async function openUndiciSender(port: number, workload: Workload): Promise<Sender> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: HTTP_CONNECTIONS, pipelining: 1 });
  const headers = { 'content-type': 'application/json; charset=UTF-8' };
  const events = workload.events;
  const post = async (): Promise<Error | null> => {
    const body = Buffer.from(
      JSON.stringify(events.map((event) => ({ headers: event.headers, body: event.body.toString('utf8') }))),
    );
    const response = await pool.request({ path: '/', method: 'POST', headers, body });
    await response.body.dump();
    return response.statusCode === 200 ? null : new Error(`POST answered ${response.statusCode}`);
  };
  return {
    setupRequests: 0,
    send(done) {
      post().then(done, (err: unknown) => done(asError(err)));
    },
    close: () => pool.close(),
  };
}
