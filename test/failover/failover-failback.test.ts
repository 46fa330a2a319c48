/**
 * Failover and failback: when the primary fails, calls move to the next host (`failover`); after
 * the primary's cool-down the next call tries it first again and, once it works, traffic returns
 * to it (`failback`). Cool-downs on an injected clock, then the same with real 20 ms cool-downs.
 */
import t from 'tap';
import { FailoverRpcClient, type HostAddress } from '@flume-rpc/rpc-client';
import { FakeClock, SLACK_MS, nextEvent, sleepUntil, startAvroSources, within } from '../fixtures/index.js';
import { FAST, acked, event, hostsOf, sum } from './helpers.js';

t.test('failover to the secondary, failback to the primary after its cool-down (injected clock)', async (t) => {
  const clock = new FakeClock();
  const servers = await startAvroSources(t, 2);
  const [primary, secondary] = servers as [(typeof servers)[0], (typeof servers)[0]];
  const client = new FailoverRpcClient({
    hosts: hostsOf(servers),
    options: FAST,
    penaltyBaseMs: 20,
    maxPenaltyMs: 1000,
    now: clock.now,
  });
  t.teardown(() => client.close());
  const h1 = () => client.hostStates()[0]!;

  await client.append(event(1));
  t.same(acked(servers), [1, 0]);

  await primary.close();
  const failover = nextEvent<[HostAddress, HostAddress, Error]>(client, 'failover');
  await within(client.append(event(2)), SLACK_MS, 'the call after the primary died');
  const [from, to, cause] = await failover;
  t.equal(from.alias, 'h1');
  t.equal(to.alias, 'h2');
  t.match(cause.message, String(primary.port), "the cause is the primary's failure");
  t.same(acked(servers), [1, 1]);
  t.equal(client.activeHost?.alias, 'h2');
  t.equal(h1().consecutiveFailures, 1);
  t.equal(h1().penaltyMs, 20, 'a first failure cools down for the base penalty');
  t.equal(h1().excludedUntil, clock.time + 20);

  // While the primary cools down, calls go straight to the secondary without trying it.
  const attemptsBefore = h1().attempts;
  clock.advance(19);
  await client.append(event(3));
  t.equal(h1().attempts, attemptsBefore, 'the cooling primary was not tried');
  t.same(acked(servers), [1, 2]);

  // Cool-down over, primary still down: the next call probes it, fails, stays on the secondary.
  clock.advance(1);
  let failovers = 0;
  client.on('failover', () => (failovers += 1));
  await client.append(event(4));
  t.equal(h1().attempts, attemptsBefore + 1, 'the primary was probed');
  t.equal(h1().consecutiveFailures, 2, 'and failed again');
  t.equal(h1().penaltyMs, 40, 'so its cool-down doubled');
  t.equal(failovers, 0, 'calls were already on the secondary: no new failover');
  t.same(acked(servers), [1, 3]);

  // The primary comes back; after its cool-down, traffic returns to it.
  await primary.listen();
  await client.append(event(5));
  t.same(acked(servers), [1, 4], 'not before its cool-down is over');
  clock.advance(40);
  const failback = nextEvent<[HostAddress, HostAddress]>(client, 'failback');
  await client.append(event(6));
  const [back, forth] = await failback;
  t.same([back.alias, forth.alias], ['h2', 'h1']);
  t.equal(client.activeHost?.alias, 'h1');
  t.equal(h1().consecutiveFailures, 0, 'a success clears the count');
  t.equal(h1().excludedUntil, null);
  await client.append(event(7));
  t.same([primary.stats.eventsAcknowledged, secondary.stats.eventsAcknowledged], [3, 4]);
});

t.test('the same in real time, with 20 ms cool-downs', async (t) => {
  const servers = await startAvroSources(t, 2);
  const [primary] = servers as [(typeof servers)[0]];
  const client = new FailoverRpcClient({
    hosts: hostsOf(servers),
    options: FAST,
    penaltyBaseMs: 20,
    maxPenaltyMs: 200,
  });
  t.teardown(() => client.close());
  const seen: string[] = [];
  client.on('failover', (from, to) => seen.push(`failover ${from.alias}->${to.alias}`));
  client.on('failback', (from, to) => seen.push(`failback ${from.alias}->${to.alias}`));
  await client.append(event(1));
  await primary.close();
  await client.append(event(2));
  await primary.listen();
  // Calls keep going to h2 until the primary's cool-down (at most 200 ms) is over.
  const failback = nextEvent(client, 'failback', SLACK_MS);
  let sent = 2;
  const deadline = Date.now() + SLACK_MS;
  while (client.activeHost?.alias !== 'h1' && Date.now() < deadline) {
    await sleepUntil(client.hostStates()[0]!.excludedUntil ?? Date.now());
    await client.append(event((sent += 1)));
  }
  await failback;
  t.same(seen, ['failover h1->h2', 'failback h2->h1']);
  t.equal(sum(acked(servers)), sent, 'every call delivered once');
});

t.test('calls already in flight on the primary when it failed do not bring traffic back to it', async (t) => {
  let calls = 0;
  // The primary refuses its first call at once and answers the next ones OK, but late.
  const slowOk = (): Promise<'OK' | 'FAILED'> =>
    calls++ === 0 ? Promise.resolve('FAILED' as const) : new Promise((resolve) => setTimeout(() => resolve('OK'), 50));
  const [primary] = await startAvroSources(t, 1, { handlers: { append: slowOk } });
  const [secondary] = await startAvroSources(t, 1);
  const client = new FailoverRpcClient({
    hosts: hostsOf([primary!, secondary!]),
    options: FAST,
    penaltyBaseMs: 60_000,
  });
  t.teardown(() => client.close());
  await client.connect();
  const events: string[] = [];
  client.on('failover', (from, to) => events.push(`failover ${from.alias}->${to.alias}`));
  client.on('failback', (from, to) => events.push(`failback ${from.alias}->${to.alias}`));

  await Promise.all([client.append(event('refused')), client.append(event('late 1')), client.append(event('late 2'))]);
  t.same(events, ['failover h1->h2'], 'the late successes on the primary were not taken for its recovery');
  t.equal(client.activeHost?.alias, 'h2');
  t.same([primary!.stats.eventsAcknowledged, secondary!.stats.eventsAcknowledged], [2, 1]);
  t.ok(client.hostStates()[0]!.excludedUntil !== null, 'the primary is still cooling down');
  await client.append(event('next'));
  t.same([primary!.stats.eventsAcknowledged, secondary!.stats.eventsAcknowledged], [2, 2]);
});
