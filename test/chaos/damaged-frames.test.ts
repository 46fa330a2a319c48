/**
 * Frames damaged on the way, by a proxy between client and server: cut in the middle (either
 * direction: the peer holds half a frame when the connection goes) or garbled (the framing holds,
 * the content is not Avro). The call on the damaged connection fails with a typed error; the
 * events were stored exactly when the request got through whole; the next call succeeds on a new
 * connection. Then a stream with damage in every form, reconciled by the ledger.
 */
import t from 'tap';
import { ConnectionClosedError, type FlumeRpcError, NettyAvroRpcClient, ProtocolError } from '@flume-rpc/rpc-client';
import type { Damage, Direction } from '../../packages/tools/dist/bench/damaging-proxy.js';
import { LOOPBACK, SLACK_MS, outcome, within } from '../fixtures/index.js';
import {
  CHAOS_TIMEOUTS,
  ChaosLedger,
  damagingProxy,
  ledgerServer,
  progress,
  reconcile,
  startStream,
  streamOptions,
} from './helpers.js';

const CASES: Array<{ direction: Direction; damage: Damage; error: typeof FlumeRpcError; stored: boolean }> = [
  // Half a request: the server never has the whole call, so nothing is stored.
  { direction: 'request', damage: 'cut', error: ConnectionClosedError, stored: false },
  // Half an answer: the server stored the batch, the client cannot know.
  { direction: 'response', damage: 'cut', error: ConnectionClosedError, stored: true },
  // A request the server cannot read: it closes the connection without storing anything.
  { direction: 'request', damage: 'garble', error: ConnectionClosedError, stored: false },
  // An answer the client cannot read: stored, reported failed.
  { direction: 'response', damage: 'garble', error: ProtocolError, stored: true },
];

for (const { direction, damage, error, stored } of CASES) {
  t.test(
    `${direction} ${damage === 'cut' ? 'cut mid-frame' : 'garbled'}: the call fails with ${error.name}, the next succeeds`,
    async (t) => {
      const ledger = new ChaosLedger();
      const server = await ledgerServer(t, ledger);
      const proxy = await damagingProxy(t, server.port);
      const client = new NettyAvroRpcClient({ host: LOOPBACK, port: proxy.port, ...CHAOS_TIMEOUTS });
      t.teardown(() => client.close());
      await within(client.connect(), SLACK_MS, 'connect through the proxy');

      proxy.arm(direction, damage);
      const damaged = ledger.events(10);
      const result = await within(outcome(client.appendBatch(damaged)), SLACK_MS, 'the damaged call');
      t.equal(result.ok, false, 'the damaged call failed');
      if (!result.ok) t.type(result.error, error, `typed: ${result.error.name}: ${result.error.message}`);
      t.equal((damage === 'cut' ? proxy.stats.cut : proxy.stats.garbled)[direction], 1, 'the proxy damaged one frame');

      const next = ledger.events(10);
      await within(client.appendBatch(next), SLACK_MS, 'the call after the damage');
      ledger.acknowledge(next);
      t.equal(proxy.stats.connections, 2, 'the next call went on a new connection');
      const r = ledger.reconcile();
      t.equal(
        r.stored,
        stored ? 20 : 10,
        stored ? 'the damaged batch was stored (answer lost)' : 'the damaged batch was not stored',
      );
      t.equal(r.missing, 0);
      t.equal(client.counters.eventsFailed, 10);
      t.equal(client.counters.eventsReceived, client.counters.eventsAcknowledged + client.counters.eventsFailed);
    },
  );
}

t.test('a stream with frames cut and garbled in both directions: nothing acknowledged is lost', async (t) => {
  const ledger = new ChaosLedger();
  const server = await ledgerServer(t, ledger);
  const proxy = await damagingProxy(t, server.port);
  const client = new NettyAvroRpcClient({ host: LOOPBACK, port: proxy.port, ...CHAOS_TIMEOUTS });
  t.teardown(() => client.close());
  const stream = startStream(client, ledger, streamOptions({ maxCalls: 600 }));
  const rounds = CASES.length * 3;
  for (let i = 0; i < rounds; i += 1) {
    await progress(stream, 15);
    const { direction, damage } = CASES[i % CASES.length]!;
    proxy.arm(direction, damage);
  }
  await progress(stream, 15);
  stream.stop();
  const result = await stream.done;
  await client.close();
  await proxy.close();
  await server.close();

  const damaged = ['request', 'response'].reduce(
    (n, d) => n + proxy.stats.cut[d as Direction] + proxy.stats.garbled[d as Direction],
    0,
  );
  t.equal(damaged, rounds, `every damage armed was done (${JSON.stringify(proxy.stats)})`);
  t.ok(result.failedCalls > 0, 'the damage was felt');
  reconcile(t, ledger, result, client.counters);
});
