/**
 * The server is killed and restarted on its port three times under a stream of concurrent
 * batches (resent when they fail, as an at-least-once caller would). Calls in flight at each kill
 * fail with a typed error; the same client reconnects; the ledger finds every acknowledged event
 * stored, and counts the duplicates the resends made (events stored before the answer was lost).
 */
import t from 'tap';
import { NettyAvroRpcClient } from '@flume-rpc/rpc-client';
import { LOOPBACK, pause } from '../fixtures/index.js';
import {
  CHAOS_TIMEOUTS,
  ChaosLedger,
  ledgerServer,
  progress,
  reconcile,
  startStream,
  streamOptions,
} from './helpers.js';

const KILLS = 3;

t.test('server killed and restarted mid-stream: nothing acknowledged is lost', async (t) => {
  const ledger = new ChaosLedger();
  // Answers held a little, so that calls are in flight when the server dies.
  const server = await ledgerServer(t, ledger, { responseDelayMs: 5 });
  const client = new NettyAvroRpcClient({ host: LOOPBACK, port: server.port, ...CHAOS_TIMEOUTS });
  t.teardown(() => client.close());
  const stream = startStream(client, ledger, streamOptions({ maxCalls: 600 }));

  const ackedBefore: number[] = [];
  for (let kill = 0; kill < KILLS; kill += 1) {
    await progress(stream, 40);
    ackedBefore.push(ledger.acknowledgedCount);
    await server.close();
    await pause(100);
    await server.listen();
  }
  await progress(stream, 40);
  stream.stop();
  const result = await stream.done;
  await client.close();
  await server.close();

  t.ok(ledger.acknowledgedCount > ackedBefore[KILLS - 1]!, 'events were acknowledged after the last restart');
  t.ok(result.failedCalls > 0, `the kills were felt: ${result.failedCalls} call(s) failed`);
  t.ok(client.counters.reconnects >= KILLS, `the client reconnected (${client.counters.reconnects} times)`);
  reconcile(t, ledger, result, client.counters);
});
