/**
 * FailoverRpcClient sends every call to the first working host in `hosts` order (or priority
 * order), tries at most max-attempts hosts per call, and sends a failed batch whole to the next host.
 */
import t, { type Test } from 'tap';
import { AllHostsFailedError, FailoverRpcClient, type HostAddress, PartialBatchError } from '@flume-rpc/rpc-client';
import { failure, startAvroSources } from '../fixtures/index.js';
import { FAST, acked, batch, event, hostsOf } from './helpers.js';

function makeClient(
  t: Test,
  hosts: HostAddress[],
  extra: Partial<ConstructorParameters<typeof FailoverRpcClient>[0]> = {},
): FailoverRpcClient {
  const client = new FailoverRpcClient({ hosts, options: FAST, penaltyBaseMs: 10_000, ...extra });
  t.teardown(() => client.close());
  return client;
}

t.test('all calls go to the first host while it works', async (t) => {
  const servers = await startAvroSources(t, 3);
  const client = makeClient(t, hostsOf(servers));
  for (let i = 0; i < 5; i += 1) await client.append(event(i));
  await client.appendBatch(batch(10));
  t.same(acked(servers), [15, 0, 0]);
  t.equal(client.activeHost?.alias, 'h1');
  t.same(
    client.hostStates().map((h) => [h.alias, h.active]),
    [
      ['h1', true],
      ['h2', false],
      ['h3', false],
    ],
  );
});

t.test('a failed host is closed and the next one in hosts order takes the call', async (t) => {
  const servers = await startAvroSources(t, 3);
  const client = makeClient(t, hostsOf(servers));
  await client.append(event('warm'));
  const failovers: string[] = [];
  client.on('failover', (from, to, cause) => failovers.push(`${from.alias}->${to.alias}: ${cause.name}`));
  await servers[0]!.close();
  await servers[1]!.close();
  await client.append(event('after'));
  t.same(acked(servers), [1, 0, 1], 'h1 and h2 are down: h3 acknowledged');
  t.equal(failovers.length, 1);
  t.match(failovers[0], /^h1->h3: /);
  const [h1, h2, h3] = client.hostStates();
  t.equal(h1!.connectivity, 'idle', 'the failed host has no client left open');
  t.ok(h1!.excludedUntil, 'h1 cools down');
  t.ok(h2!.excludedUntil, 'h2 cools down');
  t.equal(h3!.active, true);
  t.equal(client.counters.hostFailures, 2);
});

t.test('max-attempts bounds the hosts one call tries; the error names each one tried', async (t) => {
  const servers = await startAvroSources(t, 3);
  await servers[0]!.close();
  await servers[1]!.close();
  const client = makeClient(t, hostsOf(servers), { maxAttempts: 2 });
  const error = await failure(client.append(event(1)));
  t.type(error, AllHostsFailedError);
  const causes = (error as AllHostsFailedError).causes;
  t.same(
    causes.map((c) => c.host.split(' ')[0]),
    ['h1', 'h2'],
    'h3 was not tried',
  );
  t.same(acked(servers), [0, 0, 0]);
  t.equal(client.hostStates()[2]!.attempts, 0);
  t.equal(client.counters.eventsFailed, 1);
});

t.test('priorities order the hosts, higher first', async (t) => {
  const servers = await startAvroSources(t, 3);
  const client = makeClient(t, hostsOf(servers), { priorities: { h1: 1, h2: 5, h3: 10 } });
  await client.append(event(1));
  t.same(acked(servers), [0, 0, 1]);
  t.same(
    client.hostStates().map((h) => h.alias),
    ['h3', 'h2', 'h1'],
    'hostStates lists hosts by priority',
  );
  await servers[2]!.close();
  await client.append(event(2));
  t.same(acked(servers), [0, 1, 1], 'then the next priority');
});

t.test('a batch is sent whole to one host; a failed batch is resent whole to the next', async (t) => {
  const servers = await startAvroSources(t, 2);
  const client = makeClient(t, hostsOf(servers), { options: { ...FAST, batchSize: 4 } });
  servers[0]!.setFaults({ forceStatus: 'FAILED' });
  await client.appendBatch(batch(10));
  t.same(acked(servers), [0, 10], 'every chunk of 4, 4 and 2 landed whole on h2');
  t.equal(servers[1]!.stats.callsAnswered, 3);
  t.equal(client.counters.eventsRetried, 4, 'the first chunk was sent again after h1 failed it');
  t.equal(client.counters.eventsAcknowledged, 10);
});

t.test('a list failing midway reports what was acknowledged', async (t) => {
  let calls = 0;
  // The first batch is accepted, every later one refused, on whichever host.
  const servers = await startAvroSources(t, 2, { handlers: { appendBatch: () => (calls++ === 0 ? 'OK' : 'FAILED') } });
  const client = makeClient(t, hostsOf(servers), { options: { ...FAST, batchSize: 5 } });
  const error = await failure(client.appendBatch(batch(10)));
  t.type(error, PartialBatchError);
  t.equal((error as PartialBatchError).acknowledged, 5);
  t.equal((error as PartialBatchError).failed, 5);
  t.type(error.cause, AllHostsFailedError, 'the cause names the hosts the second batch failed on');
  t.same(acked(servers), [5, 0]);
  t.match(client.counters, { eventsReceived: 10, eventsAcknowledged: 5, eventsFailed: 5 });
});
