/**
 * Growth and cap of a failed host's penalty, on an injected clock: base, 2x, 4x ... capped; a
 * failure long after the previous one (beyond its penalty + the grace) starts again at the base;
 * failover's cool-down also clears on success, the load balancer's (like Flume's) only with time.
 */
import t from 'tap';
import { FailoverRpcClient } from '@flume-rpc/rpc-client';
import { HostPenalty } from '@flume-rpc/rpc-client/internal';
import { FakeClock, LOOPBACK, closedPort, startAvroSources } from '../fixtures/index.js';
import { FAST, acked, event } from './helpers.js';

t.test('HostPenalty: doubling from the base, capped, reset after a long gap', async (t) => {
  const clock = new FakeClock();
  const penalty = new HostPenalty({ baseMs: 1000, maxMs: 5000, graceMs: 2000, resetOnSuccess: false }, clock.now);
  t.equal(penalty.until, null, 'nothing failed yet');
  const earned: number[] = [];
  for (let i = 0; i < 6; i += 1) {
    earned.push(penalty.recordFailure());
    t.equal(penalty.until, clock.time + earned.at(-1)!, 'excluded until now + penalty');
    clock.advance(earned.at(-1)!); // fails again as soon as it is let back in
    t.equal(penalty.until, null, 'excluded no longer once the penalty has passed');
  }
  t.same(earned, [1000, 2000, 4000, 5000, 5000, 5000]);
  t.equal(penalty.consecutiveFailures, 6);

  // Within the previous penalty + grace: still consecutive.
  clock.advance(1999);
  t.equal(penalty.recordFailure(), 5000);
  t.equal(penalty.consecutiveFailures, 7);

  // Beyond it (Flume: `allowableDiff > delta` fails): a first failure again.
  clock.advance(5000 + 2000);
  t.equal(penalty.recordFailure(), 1000);
  t.equal(penalty.consecutiveFailures, 1);

  penalty.recordSuccess();
  t.equal(penalty.consecutiveFailures, 1, 'without resetOnSuccess a success changes nothing');
  clock.advance(1000);
  t.equal(penalty.recordFailure(), 2000);
});

t.test('HostPenalty: resetOnSuccess, and base 0 turns exclusion off', async (t) => {
  const clock = new FakeClock();
  const failover = new HostPenalty({ baseMs: 20, maxMs: 1000, graceMs: 2000, resetOnSuccess: true }, clock.now);
  failover.recordFailure();
  failover.recordFailure();
  t.equal(failover.lastPenalty, 40);
  failover.recordSuccess();
  t.equal(failover.consecutiveFailures, 0);
  t.equal(failover.until, null);
  t.equal(failover.recordFailure(), 20, 'a success clears the count');

  const off = new HostPenalty({ baseMs: 0, maxMs: 30_000, graceMs: 2000, resetOnSuccess: false }, clock.now);
  t.equal(off.recordFailure(), 0);
  t.equal(off.consecutiveFailures, 1, 'failures are still counted');
  t.equal(off.until, null, 'but exclude nothing');
});

t.test('failover: the cool-down of a host that keeps failing grows to maxpenalty', async (t) => {
  const clock = new FakeClock();
  const [backup] = await startAvroSources(t, 1);
  const hosts = [
    { alias: 'dead', host: LOOPBACK, port: await closedPort() },
    { alias: 'backup', host: LOOPBACK, port: backup!.port },
  ];
  const client = new FailoverRpcClient({
    hosts,
    options: FAST,
    penaltyBaseMs: 1000,
    maxPenaltyMs: 10_000,
    now: clock.now,
  });
  t.teardown(() => client.close());
  const dead = () => client.hostStates()[0]!;

  const penalties: number[] = [];
  const cooling: boolean[] = [];
  for (let i = 0; i < 7; i += 1) {
    await client.append(event(i));
    penalties.push(dead().penaltyMs);
    t.equal(dead().excludedUntil, clock.time + dead().penaltyMs, 'cool-down until now + penalty on the injected clock');
    const attempts = dead().attempts;
    await client.append(event(`${i} while cooling`));
    cooling.push(dead().attempts === attempts);
    clock.advance(dead().penaltyMs);
  }
  t.same(penalties, [1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  t.ok(cooling.every(Boolean), 'no call tried the host while it cooled down');
  t.equal(dead().consecutiveFailures, 7);
  t.same(acked([backup!]), [14], 'every call was delivered by the backup');

  // A host that was let back in and failed again within the hour is still failing (FLUME-2229).
  clock.advance(30 * 60 * 1000);
  await client.append(event('half an hour later'));
  t.equal(dead().consecutiveFailures, 8, 'within the last cool-down + 1 h: consecutive');
  clock.advance(10_000 + 60 * 60 * 1000);
  await client.append(event('much later'));
  t.equal(dead().penaltyMs, 1000, 'a failure more than the last cool-down + 1 h later starts again at the base');
  t.equal(dead().consecutiveFailures, 1);
});

t.test("HostPenalty: OrderSelector's counter stops at 16, and its window is exact", async (t) => {
  const clock = new FakeClock();
  const penalty = new HostPenalty(
    { baseMs: 2000, maxMs: Number.MAX_SAFE_INTEGER, graceMs: 3_600_000, resetOnSuccess: false },
    clock.now,
  );
  for (let i = 0; i < 20; i += 1) penalty.recordFailure();
  t.equal(penalty.consecutiveFailures, 16, 'EXP_BACKOFF_COUNTER_LIMIT');
  t.equal(penalty.lastPenalty, 1000 * (1 << 16), 'the longest exclusion Flume can give: 1000 << 16 ms');

  const hour = new HostPenalty({ baseMs: 2000, maxMs: 30_000, graceMs: 3_600_000, resetOnSuccess: false }, clock.now);
  hour.recordFailure();
  clock.advance(2000 + 3_600_000 - 1);
  t.equal(hour.recordFailure(), 4000, 'one ms inside the previous exclusion + 1 h: consecutive');
  clock.advance(4000 + 3_600_000);
  t.equal(
    hour.recordFailure(),
    2000,
    'exactly the previous exclusion + 1 h later: a first failure (Flume: allowableDiff > delta)',
  );
});
