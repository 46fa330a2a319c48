/**
 * RpcClientFactory builds both multi-host clients from Flume properties; the typed forms fill in
 * Flume's defaults and check what they are given; custom host selectors, by object or by name.
 */
import t from 'tap';
import {
  AllHostsFailedError,
  ClientClosedError,
  ConfigurationError,
  FailoverRpcClient,
  type HostAddress,
  type HostSelector,
  LoadBalancingRpcClient,
  RpcClientFactory,
  registerHostSelector,
} from '@flume-rpc/rpc-client';
import { LOOPBACK, SLACK_MS, closedPort, failure, startAvroSources, within } from '../fixtures/index.js';
import { FAST, acked, event, hostProperties, hostsOf } from './helpers.js';

t.test('default_failover from properties', async (t) => {
  const servers = await startAvroSources(t, 3);
  const client = RpcClientFactory.create({
    ...hostProperties(servers),
    'client.type': 'default_failover',
    'max-attempts': '2',
    'priority.h3': '10',
    maxpenalty: '5000',
    'connect-timeout': '500',
  });
  t.teardown(() => client.close());
  t.type(client, FailoverRpcClient);
  const failover = client as FailoverRpcClient;
  t.equal(failover.maxAttempts, 2);
  t.same(
    failover.hostStates().map((h) => [h.alias, h.priority]),
    [
      ['h3', 10],
      ['h1', 0],
      ['h2', -1],
    ],
  );
  await client.append(event(1));
  t.same(acked(servers), [0, 0, 1], 'the highest priority first');
});

t.test('default_loadbalance from properties; getInstance connects eagerly', async (t) => {
  const servers = await startAvroSources(t, 2);
  const client = await RpcClientFactory.getInstance({
    ...hostProperties(servers),
    'client.type': 'DEFAULT_LOADBALANCE',
    backoff: 'true',
    maxBackoff: '5000',
  });
  t.teardown(() => client.close());
  t.type(client, LoadBalancingRpcClient);
  t.equal((client as LoadBalancingRpcClient).backoff, true);
  t.equal(
    servers.reduce((n, s) => n + s.stats.connectionsAccepted, 0),
    1,
    'connected one host before returning',
  );

  const down = {
    hosts: 'a b',
    'hosts.a': `${LOOPBACK}:${await closedPort()}`,
    'hosts.b': `${LOOPBACK}:${await closedPort()}`,
    'client.type': 'default_failover',
  };
  const error = await failure(within(RpcClientFactory.getInstance(down), SLACK_MS, 'getInstance with every host down'));
  t.type(error, AllHostsFailedError, 'no host reachable: getInstance rejects, naming both');
  t.equal((error as AllHostsFailedError).causes.length, 2);
});

t.test('typed forms: defaults and checks', async (t) => {
  const hosts: HostAddress[] = [
    { alias: 'a', host: LOOPBACK, port: 1 },
    { alias: 'b', host: LOOPBACK, port: 2 },
  ];
  const failover = new FailoverRpcClient({ hosts });
  t.equal(failover.maxAttempts, 2, 'max-attempts defaults to the number of hosts');
  t.equal(failover.getBatchSize(), 100);
  t.same(
    failover.hostStates().map((h) => h.priority),
    [0, -1],
    'priorities follow hosts order',
  );
  await failover.close();
  const lb = new LoadBalancingRpcClient({ hosts });
  t.equal(lb.backoff, false);
  await lb.close();

  t.throws(() => new FailoverRpcClient({ hosts: [] }), ConfigurationError);
  t.throws(() => new FailoverRpcClient({ hosts: [hosts[0]!, hosts[0]!] }), ConfigurationError, 'aliases are unique');
  t.throws(
    () => new FailoverRpcClient({ hosts, priorities: { a: 3, b: 3 } }),
    ConfigurationError,
    'priorities are unique',
  );
  t.throws(() => new FailoverRpcClient({ hosts, maxAttempts: 0 }), ConfigurationError);
  t.throws(
    () => new LoadBalancingRpcClient({ hosts, hostSelector: 'nope' }),
    ConfigurationError,
    'unknown selector name',
  );
  t.throws(() => new LoadBalancingRpcClient({ hosts, options: { batchSize: 0 } }), ConfigurationError);
});

t.test('a custom selector object: it orders, and hears of failures and successes', async (t) => {
  const servers = await startAvroSources(t, 3);
  await servers[2]!.close();
  const heard: string[] = [];
  const lastFirst: HostSelector = {
    select: (hosts) => [...hosts].reverse(),
    informFailure: (host, error) => heard.push(`fail ${host.alias} ${error.name}`),
    informSuccess: (host) => heard.push(`ok ${host.alias}`),
  };
  const client = new LoadBalancingRpcClient({ hosts: hostsOf(servers), options: FAST, hostSelector: lastFirst });
  t.teardown(() => client.close());
  await client.append(event(1));
  t.same(acked(servers), [0, 1, 0]);
  t.same(heard, ['fail h3 ConnectError', 'ok h2']);
});

t.test('a custom selector by name (case-insensitive), as host-selector in properties', async (t) => {
  const servers = await startAvroSources(t, 2);
  registerHostSelector('SecondOnly', () => ({ select: (hosts) => hosts.slice(1, 2) }));
  const client = RpcClientFactory.create({
    ...hostProperties(servers),
    'client.type': 'default_loadbalance',
    'host-selector': 'secondonly',
  });
  t.teardown(() => client.close());
  for (let i = 0; i < 3; i += 1) await client.append(event(i));
  t.same(acked(servers), [0, 3]);
});

t.test('close() closes every host client; later calls are refused', async (t) => {
  const servers = await startAvroSources(t, 3);
  const client = new LoadBalancingRpcClient({ hosts: hostsOf(servers), options: FAST });
  for (let i = 0; i < 3; i += 1) await client.append(event(i));
  t.same(
    servers.map((s) => s.stats.connectionsOpen),
    [1, 1, 1],
  );
  await client.close();
  t.equal(client.isActive(), false);
  t.same(
    client.hostStates().map((h) => h.connectivity),
    ['shutdown', 'shutdown', 'shutdown'],
  );
  await within(
    (async () => {
      while (servers.some((s) => s.stats.connectionsOpen > 0)) await new Promise((r) => setTimeout(r, 5));
    })(),
    SLACK_MS,
    'the servers to see the connections close',
  );
  t.type(await failure(client.append(event('late'))), ClientClosedError);
  await client.close();
  t.pass('close is idempotent');
});
