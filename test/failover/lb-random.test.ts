/** The random host-selector: a fresh order per call; over many calls every host is used. */
import t from 'tap';
import { LoadBalancingRpcClient, RpcClientFactory } from '@flume-rpc/rpc-client';
import { RandomSelector } from '@flume-rpc/rpc-client/internal';
import { startAvroSources } from '../fixtures/index.js';
import { FAST, acked, event, hostProperties, hostsOf, sum } from './helpers.js';

t.test('random selection uses every host', async (t) => {
  const servers = await startAvroSources(t, 3);
  const client = new LoadBalancingRpcClient({ hosts: hostsOf(servers), options: FAST, hostSelector: 'random' });
  t.teardown(() => client.close());
  t.type(client.selector, RandomSelector);
  for (let i = 0; i < 90; i += 1) await client.append(event(i));
  const counts = acked(servers);
  t.equal(sum(counts), 90);
  // P(a host gets none of 90) = 3 x (2/3)^90: about 5e-16.
  for (const [i, count] of counts.entries()) t.ok(count > 0, `h${i + 1} got ${count} events`);
});

t.test('an injected random source makes the order predictable', async (t) => {
  const servers = await startAvroSources(t, 3);
  // Always 0: the Fisher-Yates shuffle of [h1, h2, h3] gives [h2, h3, h1].
  const client = new LoadBalancingRpcClient({
    hosts: hostsOf(servers),
    options: FAST,
    hostSelector: 'Random',
    random: () => 0,
  });
  t.teardown(() => client.close());
  for (let i = 0; i < 4; i += 1) await client.append(event(i));
  t.same(acked(servers), [0, 4, 0]);
});

t.test('host-selector = RANDOM from properties', async (t) => {
  const servers = await startAvroSources(t, 2);
  const client = RpcClientFactory.create({
    ...hostProperties(servers),
    'client.type': 'default_loadbalance',
    'host-selector': 'RANDOM',
  });
  t.teardown(() => client.close());
  t.type(client, LoadBalancingRpcClient);
  t.type((client as LoadBalancingRpcClient).selector, RandomSelector);
});
