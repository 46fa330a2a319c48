/**
 * HTTP hosts inside the multi-host clients: failover between an HTTP source and an Avro source
 * both ways, and agent health from Flume's /metrics: a host whose channel is over the threshold
 * (or whose metrics cannot be read) is skipped and returns when healthy; polling stops at close().
 */
import t from 'tap';
import {
  FailoverRpcClient,
  type HealthReading,
  HostUnhealthyError,
  type HostAddress,
  LoadBalancingRpcClient,
  RpcClientFactory,
} from '@flume-rpc/rpc-client';
import {
  LOOPBACK,
  SLACK_MS,
  closedPort,
  pause,
  startAvroSource,
  startMetricsServer,
  startRecordingServer,
  until,
} from '../fixtures/index.js';
import { startSource, textEvents } from './helpers.js';

const FAST = { connectTimeoutMs: 1000, requestTimeoutMs: 2000 };

function httpHost(alias: string, url: string): HostAddress {
  return { alias, host: '', port: 0, url };
}

t.test('failover from an HTTP source to an Avro source, and back when the HTTP one returns', async (t) => {
  const source = await startSource(t, { plan: [{ status: 503 }] });
  const avro = await startRecordingServer(t);
  const client = new FailoverRpcClient({
    hosts: [httpHost('web', source.url), { alias: 'avro', host: LOOPBACK, port: avro.port }],
    options: FAST,
    penaltyBaseMs: 100,
  });
  t.teardown(() => client.close());
  const moves: string[] = [];
  client.on('failover', (from, to) => moves.push(`failover ${from.alias}->${to.alias}`));
  client.on('failback', (from, to) => moves.push(`failback ${from.alias}->${to.alias}`));

  await client.appendBatch(textEvents(3, 'a'));
  t.same(avro.bodies(), ['a0', 'a1', 'a2'], 'the HTTP host answered 503: the batch went to the Avro host');
  t.equal(source.events.length, 0);
  t.equal(client.activeHost?.alias, 'avro');

  await pause(150); // the HTTP host's cool-down ends
  await client.appendBatch(textEvents(2, 'b'));
  t.same(
    source.events.map((e) => e.body.toString()),
    ['b0', 'b1'],
    'back on the higher-priority HTTP host',
  );
  t.same(moves, ['failover web->avro', 'failback avro->web']);
  const counters = client.counters;
  t.equal(counters.eventsAcknowledged, 5);
  t.equal(counters.hosts?.['web']?.hostFailures, 1);
});

t.test('failover from an Avro source that is down to an HTTP source, from properties', async (t) => {
  const source = await startSource(t);
  const down = await closedPort();
  const client = RpcClientFactory.create({
    'client.type': 'default_failover',
    hosts: 'a h',
    'hosts.a': `${LOOPBACK}:${down}`,
    'hosts.h': source.url,
    'connect-timeout': '1000',
  });
  t.teardown(() => client.close());
  await client.appendBatch(textEvents(4));
  t.equal(source.events.length, 4);
  t.equal(client.counters.hosts?.['a']?.hostFailures, 1);
});

t.test('load balancing over an HTTP and an Avro host spreads the calls over both', async (t) => {
  const source = await startSource(t);
  const avro = await startAvroSource(t);
  const client = new LoadBalancingRpcClient({
    hosts: [httpHost('h', source.url), { alias: 'a', host: LOOPBACK, port: avro.port }],
    options: FAST,
  });
  t.teardown(() => client.close());
  for (let i = 0; i < 6; i += 1) await client.append({ headers: {}, body: Buffer.from(`e${i}`) });
  t.equal(source.events.length, 3, 'round robin: every other call on the HTTP host');
  t.equal(client.counters.eventsAcknowledged, 6);
});

t.test('health: a host whose channel fills past the threshold is skipped, and returns when it drains', async (t) => {
  const [first, second] = [await startSource(t), await startSource(t)];
  const metrics = await startMetricsServer(t, { fill: { c1: 10, c2: 5 } });
  const client = new FailoverRpcClient({
    hosts: [httpHost('a', first.url), httpHost('b', second.url)],
    options: FAST,
    health: { urls: { a: metrics.url }, intervalMs: 30, maxChannelFill: 80 },
  });
  t.teardown(() => client.close());
  const readings: Array<[string, HealthReading]> = [];
  client.on('health', (host, reading) => readings.push([host.alias, reading]));
  const causes: unknown[] = [];
  client.on('failover', (_from, _to, cause) => causes.push(cause));

  await until(() => readings.length === 1, 'the first reading');
  t.equal(readings[0]![1].healthy, true);
  await client.append({ headers: {}, body: Buffer.from('1') });
  t.equal(first.events.length, 1, 'healthy: the primary takes the call');

  metrics.setFill('c2', 93.5);
  await until(() => readings.length === 2, 'the unhealthy reading');
  const unhealthy = readings[1]![1];
  t.equal(unhealthy.healthy, false);
  t.match(unhealthy.reason, /c2 at 93\.5% > 80%/);
  t.same(
    client.hostStates().map((s) => [s.alias, s.health?.healthy ?? null]),
    [
      ['a', false],
      ['b', null],
    ],
    'hostStates() carries the last reading (b is not watched)',
  );
  await client.append({ headers: {}, body: Buffer.from('2') });
  t.same(
    second.events.map((e) => e.body.toString()),
    ['2'],
    'unhealthy: skipped as if cooling down',
  );
  t.type(causes[0], HostUnhealthyError, 'the failover names the health as its cause');

  metrics.setFill('c2', 20);
  await until(() => readings.length === 3, 'the healthy reading');
  await client.append({ headers: {}, body: Buffer.from('3') });
  t.same(
    first.events.map((e) => e.body.toString()),
    ['1', '3'],
    'healthy again: back on the primary',
  );
  t.equal(first.events.length + second.events.length, 3, 'no call lost or doubled');
});

t.test(
  'health: metrics unreachable for several polls in a row skip the host; an unhealthy host is still a last resort',
  async (t) => {
    const [first, second] = [await startSource(t), await startSource(t)];
    const metrics = await startMetricsServer(t);
    const client = new LoadBalancingRpcClient({
      hosts: [httpHost('a', first.url), httpHost('b', second.url)],
      options: FAST,
      health: { urls: { a: metrics.url, b: metrics.url }, intervalMs: 20, maxChannelFill: 90 },
    });
    t.teardown(() => client.close());
    const readings: Array<[string, boolean]> = [];
    client.on('health', (host, reading) => readings.push([host.alias, reading.healthy]));
    await until(() => readings.length === 2, 'first readings of both hosts');

    metrics.mode = 'error500';
    await until(() => readings.filter(([, healthy]) => !healthy).length === 2, 'both hosts unhealthy');
    const state = client.hostStates()[0]!;
    t.ok(state.health!.consecutiveFailures >= 3);
    t.match(state.health!.reason, /unreachable/);
    t.equal(state.active, false, 'out of the rotation');
    // Every host is unhealthy: calls still go out (to the hosts as a last resort), none fails for want of a host.
    for (let i = 0; i < 4; i += 1) await client.append({ headers: {}, body: Buffer.from(`e${i}`) });
    t.equal(first.events.length + second.events.length, 4);

    metrics.mode = 'ok';
    await until(() => readings.filter(([, healthy]) => healthy).length === 4, 'both hosts healthy again');
    t.equal(client.hostStates()[0]!.active, true);
  },
);

t.test('health: no poll after close(), even with one stalled in flight', async (t) => {
  const source = await startSource(t);
  const metrics = await startMetricsServer(t);
  const client = new FailoverRpcClient({
    hosts: [httpHost('a', source.url), httpHost('b', source.url)],
    options: FAST,
    health: { urls: { a: metrics.url, b: metrics.url }, intervalMs: 20 },
  });
  await until(() => metrics.requests >= 4, 'a few polls');
  metrics.mode = 'stall';
  await until(() => metrics.inFlight >= 1, 'a poll stalled');
  const started = Date.now();
  await client.close();
  t.ok(Date.now() - started < SLACK_MS, `close() did not wait for the stalled poll (${Date.now() - started}ms)`);
  const after = metrics.requests;
  await pause(150);
  t.equal(metrics.requests, after, 'no poll after close()');
  await until(() => metrics.inFlight === 0, 'the stalled poll was aborted');
  t.ok(metrics.maxInFlight <= 2, `at most one poll in flight per host (saw ${metrics.maxInFlight} for 2 hosts)`);
});
