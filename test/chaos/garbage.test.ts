/**
 * Peers that answer garbage: bytes that are not frames at all (an HTTP error, as a web server on
 * the agent's port sends), or frames whose content is not Avro. Alone, every call fails with a
 * typed error within its bound and nothing is stored; behind a load balancer with one good
 * server, every call succeeds there.
 */
import t from 'tap';
import { LoadBalancingRpcClient, NettyAvroRpcClient } from '@flume-rpc/rpc-client';
import type { GarbageKind } from '../../packages/tools/dist/bench/garbage-server.js';
import { LOOPBACK } from '../fixtures/index.js';
import {
  CHAOS_TIMEOUTS,
  ChaosLedger,
  garbageServer,
  ledgerServer,
  reconcile,
  startStream,
  streamOptions,
} from './helpers.js';

const KINDS: GarbageKind[] = ['text', 'bad-frames'];

for (const kind of KINDS) {
  t.test(`a server answering ${kind}: every call fails with a typed error, none hangs`, async (t) => {
    const ledger = new ChaosLedger();
    const garbage = await garbageServer(t, kind);
    const client = new NettyAvroRpcClient({ host: LOOPBACK, port: garbage.port, ...CHAOS_TIMEOUTS });
    t.teardown(() => client.close());
    const result = await startStream(client, ledger, streamOptions({ maxCalls: 12, concurrency: 3 })).done;
    await client.close();
    await garbage.close();

    t.equal(result.failedCalls, result.calls, 'every call failed');
    t.ok(garbage.stats.answers > 0, `the garbage was sent (${garbage.stats.answers} answers)`);
    t.equal(client.counters.eventsSent, 0, 'no event was written: the handshake never succeeded');
    t.ok(
      Object.keys(result.errors).every((name) => ['ProtocolError', 'HandshakeError'].includes(name)),
      `reported as a protocol failure: ${JSON.stringify(result.errors)}`,
    );
    reconcile(t, ledger, result, client.counters, false);
    t.equal(ledger.reconcile().stored, 0);
  });
}

t.test('load balancing over one good server and two garbage ones: every call succeeds', async (t) => {
  const ledger = new ChaosLedger();
  const good = await ledgerServer(t, ledger);
  const garbage = await Promise.all(KINDS.map((kind) => garbageServer(t, kind)));
  const hosts = [good, ...garbage].map((s, i) => ({ alias: `h${i + 1}`, host: LOOPBACK, port: s.port }));
  const client = new LoadBalancingRpcClient({
    hosts,
    options: CHAOS_TIMEOUTS,
    backoff: true,
    backoffBaseMs: 20,
    maxBackoffMs: 100,
  });
  t.teardown(() => client.close());
  const result = await startStream(client, ledger, streamOptions({ maxCalls: 150 })).done;
  await client.close();

  t.equal(result.failedCalls, 0, 'no call failed');
  t.ok(
    garbage.every((g) => g.stats.answers > 0),
    'both garbage servers were tried',
  );
  t.ok(client.counters.hostFailures > 0, `${client.counters.hostFailures} attempt(s) failed on a garbage server`);
  reconcile(t, ledger, result, client.counters);
});
