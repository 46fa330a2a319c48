/**
 * The RpcClient contract every client honours (docs/api.md, docs/recovery.md): the factory builds
 * all three client types from the package entry alone (no registration, no import for its
 * effect); each has connect(), the same counters shape and the same events: 'error' for every
 * failed call, and each host's connection events ('state', 'retry', ...) naming its address,
 * forwarded by the multi-host clients.
 */
import t from 'tap';
import {
  AllHostsFailedError,
  type ClientCounters,
  EventBuilder,
  FailoverRpcClient,
  type FlumeRpcError,
  LoadBalancingRpcClient,
  NettyAvroRpcClient,
  type RetryInfo,
  type RpcClient,
  RpcClientFactory,
} from '@flume-rpc/rpc-client';
import { FAST_OPTIONS, LOOPBACK, closedPort, failure, startRecordingServer } from '../fixtures/index.js';

const COUNTER_KEYS = [
  'connectFailures',
  'connectionResets',
  'connectionsOpened',
  'eventsAcknowledged',
  'eventsFailed',
  'eventsReceived',
  'eventsRetried',
  'eventsSent',
  'handshakeFailures',
  'hostFailures',
  'reconnects',
];

function counterKeys(counters: Readonly<ClientCounters>): string[] {
  return Object.keys(counters)
    .filter((key) => key !== 'hosts')
    .sort();
}

t.test(
  'the factory builds each client type from the package entry alone, each an RpcClient with the same counters',
  async (t) => {
    const rec = await startRecordingServer(t);
    const hosts = { hosts: 'h1 h2', 'hosts.h1': `${LOOPBACK}:${rec.port}`, 'hosts.h2': `${LOOPBACK}:${rec.port}` };
    const built: Array<[string, RpcClient, new (...args: never[]) => RpcClient]> = [
      [
        'default',
        RpcClientFactory.create({ 'client.type': 'default', hosts: 'h1', 'hosts.h1': `${LOOPBACK}:${rec.port}` }),
        NettyAvroRpcClient,
      ],
      ['default_failover', RpcClientFactory.create({ 'client.type': 'default_failover', ...hosts }), FailoverRpcClient],
      [
        'default_loadbalance',
        RpcClientFactory.create({ 'client.type': 'default_loadbalance', ...hosts }),
        LoadBalancingRpcClient,
      ],
    ];
    for (const [type, client, kind] of built) {
      t.teardown(() => client.close({ force: true }));
      t.ok(client instanceof kind, `${type}: a ${kind.name}`);
      await client.connect();
      await client.append(EventBuilder.withBody(type));
      t.same(counterKeys(client.counters), COUNTER_KEYS, `${type}: the ClientCounters keys`);
      t.equal(client.counters.eventsAcknowledged, 1, `${type}: counted`);
      t.ok(client.counters.connectionsOpened >= 1, `${type}: connections counted`);
      if (type === 'default') {
        t.equal(client.counters.hosts, undefined, 'a single-host client has no per-host detail');
      } else {
        const hosts = client.counters.hosts ?? {};
        t.same(Object.keys(hosts), ['h1', 'h2'], `${type}: per-host counters by alias`);
        t.same(counterKeys(hosts.h1!), COUNTER_KEYS, `${type}: a host's counters have the same shape`);
        t.equal(
          client.counters.connectionsOpened,
          hosts.h1!.connectionsOpened + hosts.h2!.connectionsOpened,
          `${type}: connection counters summed over the hosts`,
        );
      }
    }
    t.throws(
      () => RpcClientFactory.fromConfig({ clientType: 'constructor' } as never),
      { name: 'ConfigurationError' },
      'an unknown type is refused, not looked up on a prototype',
    );
  },
);

t.test(
  "a failover client forwards its hosts' retries and states with their address, and emits error for a failed call",
  async (t) => {
    const rec = await startRecordingServer(t);
    const dead = await closedPort();
    const client = new FailoverRpcClient({
      hosts: [
        { alias: 'h1', host: LOOPBACK, port: dead },
        { alias: 'h2', host: LOOPBACK, port: rec.port },
      ],
      options: FAST_OPTIONS,
      hostConnection: { maxRetries: 1, retryBackoffInitialMs: 10 },
    });
    t.teardown(() => client.close({ force: true }));
    const log: string[] = [];
    const retries: Array<[RetryInfo, string]> = [];
    const errors: FlumeRpcError[] = [];
    client.on('state', (state, _previous, address) => log.push(`${address} state:${state}`));
    client.on('retry', (info, address) => retries.push([info, address]));
    client.on('ready', (address) => log.push(`${address} ready`));
    client.on('hostFailure', (host) => log.push(`hostFailure:${host.alias}`));
    client.on('error', (error) => errors.push(error));

    await client.append(EventBuilder.withBody('one'));
    const deadAddress = `${LOOPBACK}:${dead}`;
    const liveAddress = `${LOOPBACK}:${rec.port}`;
    t.same(
      log,
      [
        `${deadAddress} state:connecting`,
        `${deadAddress} state:transient_failure`,
        'hostFailure:h1',
        `${liveAddress} state:connecting`,
        `${liveAddress} state:ready`,
        `${liveAddress} ready`,
      ],
      "the dead host's round, its failure, then the next host connects",
    );
    t.equal(retries.length, 1, 'the dead host retried once (max-retries 1), visible on the failover client');
    t.equal(retries[0]![1], deadAddress, 'the retry names its host');
    t.match(retries[0]![0], { attempt: 1, attempts: 2 });
    t.same(errors, [], 'a call that succeeded on another host is no error');

    await rec.server.close();
    const error = await failure(client.append(EventBuilder.withBody('two')));
    t.type(error, AllHostsFailedError);
    t.equal(errors.length, 1, 'one error event for the failed call');
    t.equal(errors[0], error, 'the same error that rejected the call');
    t.equal(client.counters.eventsFailed, 1);
  },
);

t.test("a single-host client's state and retry events name its address too", async (t) => {
  const dead = await closedPort();
  const client = new NettyAvroRpcClient({
    host: LOOPBACK,
    port: dead,
    ...FAST_OPTIONS,
    maxRetries: 1,
    retryBackoffInitialMs: 10,
  });
  t.teardown(() => client.close({ force: true }));
  const seen: string[] = [];
  client.on('state', (state, _previous, address) => seen.push(`${address} ${state}`));
  client.on('retry', (info, address) => seen.push(`${address} retry ${info.attempt}/${info.attempts}`));
  await failure(client.connect());
  const address = `${LOOPBACK}:${dead}`;
  t.same(seen, [`${address} connecting`, `${address} retry 1/2`, `${address} transient_failure`]);
  t.equal(client.counters.hostFailures, 1, 'the failed connect counts as a failed attempt on the host');
});
