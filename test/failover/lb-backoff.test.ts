/**
 * backoff = true: a host that failed is left out of the rotation for 2 s, 4 s, 8 s ... up to
 * maxBackoff on consecutive failures (Flume's OrderSelector), then let back in; all on an injected
 * clock, so no waiting.
 */
import t from 'tap';
import { LoadBalancingRpcClient } from '@flume-rpc/rpc-client';
import { FakeClock, startAvroSources } from '../fixtures/index.js';
import { FAST, acked, event, hostsOf } from './helpers.js';

t.test('a failed host is excluded, then restored when its backoff has passed', async (t) => {
  const clock = new FakeClock();
  const servers = await startAvroSources(t, 3);
  const client = new LoadBalancingRpcClient({
    hosts: hostsOf(servers),
    options: FAST,
    backoff: true,
    maxBackoffMs: 3000,
    now: clock.now,
  });
  t.teardown(() => client.close());
  const h1 = () => client.hostStates()[0]!;
  await servers[0]!.close();

  await client.append(event('first')); // round robin starts at h1: it fails, h2 takes the call
  t.same(acked(servers), [0, 1, 0]);
  t.equal(h1().consecutiveFailures, 1);
  t.equal(h1().excludedUntil, clock.time + 2000, 'excluded for 2 s, as OrderSelector (1000 << 1)');
  t.equal(h1().active, false, 'out of the rotation');

  for (let i = 0; i < 10; i += 1) await client.append(event(i));
  t.equal(h1().attempts, 1, 'not tried while excluded');
  t.same(acked(servers), [0, 6, 5], 'the others share the calls');

  // Let back in while still down: it fails on its next turn, and stays out twice as long.
  clock.advance(2000);
  t.equal(h1().active, true, 'restored to the rotation');
  for (let i = 0; i < 3; i += 1) await client.append(event(`probe ${i}`));
  t.equal(h1().attempts, 2, 'tried on its turn');
  t.equal(h1().penaltyMs, 3000, '4 s capped at maxBackoff');
  clock.advance(3000);
  for (let i = 0; i < 3; i += 1) await client.append(event(`probe again ${i}`));
  t.equal(h1().penaltyMs, 3000, 'still capped');
  t.equal(h1().excludedUntil, clock.time + 3000);

  // Back up: after its exclusion it gets its share again.
  await servers[0]!.listen();
  clock.advance(3000);
  const before = acked(servers);
  for (let i = 0; i < 30; i += 1) await client.append(event(`after ${i}`));
  const gained = acked(servers).map((n, i) => n - before[i]!);
  t.same(gained, [10, 10, 10], 'an even share again');
  t.equal(h1().active, true);
  t.equal(h1().consecutiveFailures, 3, 'as in Flume, only time clears the count, not a success');
  t.equal(client.counters.eventsFailed, 0, 'no call failed throughout');
});

t.test(
  "Flume's window (FLUME-2229): a host failing every 10 s keeps growing exclusions; an hour of quiet starts again",
  async (t) => {
    const clock = new FakeClock();
    const servers = await startAvroSources(t, 2);
    const client = new LoadBalancingRpcClient({
      hosts: hostsOf(servers),
      options: FAST,
      backoff: true,
      now: clock.now,
    });
    t.teardown(() => client.close());
    const h1 = () => client.hostStates()[0]!;
    servers[0]!.setFaults({ forceStatus: 'FAILED' });
    const earned: number[] = [];
    for (let round = 0; round < 7; round += 1) {
      // Two calls: round robin gives h1 one of them whenever it is in the rotation.
      await client.append(event(`a${round}`));
      await client.append(event(`b${round}`));
      earned.push(h1().penaltyMs);
      t.equal(h1().excludedUntil, clock.time + h1().penaltyMs, `round ${round}: excluded from this failure on`);
      // A flapping agent: it fails again 10 s after its exclusion ended, well within Flume's hour.
      clock.advance(h1().penaltyMs + 10_000);
    }
    t.same(
      earned,
      [2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000],
      "OrderSelector's 1000 << n, capped at maxBackoff's 30 s",
    );
    t.equal(h1().consecutiveFailures, 7);

    // Quiet for longer than the last exclusion + 1 h: the next failure is a first failure again.
    clock.advance(60 * 60 * 1000 + 30_000 - 10_000 + 1);
    await client.append(event('after an hour'));
    await client.append(event('after an hour, 2'));
    t.equal(h1().consecutiveFailures, 1, 'the count started again');
    t.equal(h1().penaltyMs, 2000);
    t.equal(client.counters.eventsFailed, 0, 'h2 took every call h1 failed');
  },
);

t.test('without backoff (the default) a failed host is never excluded', async (t) => {
  const clock = new FakeClock();
  const servers = await startAvroSources(t, 2);
  const client = new LoadBalancingRpcClient({ hosts: hostsOf(servers), options: FAST, now: clock.now });
  t.teardown(() => client.close());
  servers[0]!.setFaults({ forceStatus: 'FAILED' });
  for (let i = 0; i < 6; i += 1) await client.append(event(i));
  t.equal(client.hostStates()[0]!.excludedUntil, null);
  t.equal(client.hostStates()[0]!.attempts, 3, 'h1 is tried on each of its turns (h2 answers on its own)');
  t.equal(client.hostStates()[0]!.consecutiveFailures, 3, 'failures are still counted');
  t.same(acked(servers), [0, 6]);
});
