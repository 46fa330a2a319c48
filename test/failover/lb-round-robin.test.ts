/**
 * Round robin (the default host-selector): each call starts one host further along, so calls,
 * sequential or concurrent, spread evenly; concurrent calls are in flight on different hosts at once.
 */
import t from 'tap';
import { LoadBalancingRpcClient } from '@flume-rpc/rpc-client';
import { RoundRobinSelector } from '@flume-rpc/rpc-client/internal';
import { startAvroSources } from '../fixtures/index.js';
import { FAST, acked, batch, event, hostsOf } from './helpers.js';

t.test('sequential calls: an even spread, in hosts order', async (t) => {
  const servers = await startAvroSources(t, 3);
  const client = new LoadBalancingRpcClient({ hosts: hostsOf(servers), options: FAST });
  t.teardown(() => client.close());
  await client.append(event(0));
  t.same(acked(servers), [1, 0, 0], 'the first call goes to the first host');
  for (let i = 1; i < 30; i += 1) await client.append(event(i));
  t.same(acked(servers), [10, 10, 10]);
  for (let i = 0; i < 6; i += 1) await client.appendBatch(batch(5));
  t.same(acked(servers), [20, 20, 20], 'batches too, each whole on one host');
  t.same(
    client.hostStates().map((h) => h.successes),
    [12, 12, 12],
  );
});

t.test('concurrent calls: spread evenly and pipelined across hosts', async (t) => {
  const servers = await startAvroSources(t, 3);
  for (const server of servers) server.setFaults({ responseDelayMs: 20 });
  const client = new LoadBalancingRpcClient({ hosts: hostsOf(servers), options: FAST, hostSelector: 'ROUND_ROBIN' });
  t.teardown(() => client.close());
  t.type(client.selector, RoundRobinSelector, 'selector names are case-insensitive');
  await Promise.all(Array.from({ length: 30 }, (_, i) => client.appendBatch(batch(2, `c${i}`))));
  t.same(acked(servers), [20, 20, 20]);
  t.equal(client.counters.eventsAcknowledged, 60);
  t.equal(client.counters.eventsRetried, 0);
});

t.test('a failed host is skipped for the call, which goes to the next one in the rotation', async (t) => {
  const servers = await startAvroSources(t, 3);
  const client = new LoadBalancingRpcClient({ hosts: hostsOf(servers), options: FAST });
  t.teardown(() => client.close());
  await servers[1]!.close();
  for (let i = 0; i < 30; i += 1) await client.append(event(i));
  t.same(acked(servers), [10, 0, 20], "h2's turns went to h3, the next in its order");
  t.equal(client.hostStates()[1]!.failures, 10, 'without backoff (Flume default) h2 is tried on each of its turns');
  t.equal(client.counters.eventsFailed, 0);
});
