/**
 * A host that accepts connections but never answers the handshake costs a call at most the
 * handshake timeout, and only the calls that tried it: the others go elsewhere at once.
 */
import t from 'tap';
import { FailoverRpcClient, HandshakeTimeoutError, LoadBalancingRpcClient } from '@flume-rpc/rpc-client';
import { SLACK_MS, startAvroSources, within } from '../fixtures/index.js';
import { FAST, acked, event, hostsOf, sum } from './helpers.js';

// Long enough for healthy hosts to handshake well within it on a loaded box.
const HANDSHAKE_TIMEOUT_MS = 1000;
const options = { ...FAST, handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS };

async function timed(call: Promise<void>): Promise<number> {
  const started = Date.now();
  await within(call, HANDSHAKE_TIMEOUT_MS + SLACK_MS, 'a call');
  return Date.now() - started;
}

t.test(
  'load balancing: only the calls whose turn starts at the stalled host wait, and no longer than the handshake timeout',
  async (t) => {
    const servers = await startAvroSources(t, 3);
    servers[0]!.setFaults({ handshakeStallMs: Infinity });
    const client = new LoadBalancingRpcClient({ hosts: hostsOf(servers), options });
    t.teardown(() => client.close());
    const failures: Error[] = [];
    client.on('hostFailure', (_host, error) => failures.push(error));

    // One round so that h2 and h3 are connected: what follows measures waiting, not connecting.
    for (let i = 0; i < 3; i += 1) await timed(client.append(event(`warm-up ${i}`)));
    t.equal(client.hostStates()[0]!.counters.handshakeFailures, 1, 'the first call tried h1, which stalled');

    // Round robin: calls 0, 3, 6 start at h1 (stalled); the others start at h2 or h3.
    const durations = await Promise.all(Array.from({ length: 9 }, (_, i) => timed(client.append(event(i)))));
    for (const [i, ms] of durations.entries()) {
      if (i % 3 === 0) {
        t.ok(
          ms >= HANDSHAKE_TIMEOUT_MS - 50 && ms < HANDSHAKE_TIMEOUT_MS + SLACK_MS,
          `call ${i} tried h1 first: ${ms}ms, about the handshake timeout`,
        );
      } else {
        t.ok(ms < HANDSHAKE_TIMEOUT_MS, `call ${i} went elsewhere at once: ${ms}ms`);
      }
    }
    t.equal(sum(acked(servers)), 12, 'every call delivered');
    t.equal(servers[0]!.stats.eventsAcknowledged, 0);
    t.ok(
      failures.length >= 2 && failures.every((e) => e instanceof HandshakeTimeoutError),
      'h1 failed with HandshakeTimeoutError',
    );
    t.equal(client.hostStates()[0]!.attempts, 4, 'only the calls whose turn it was tried h1');
    t.equal(
      client.hostStates()[0]!.counters.handshakeFailures,
      2,
      'the three waiting calls shared one handshake attempt',
    );
  },
);

t.test('load balancing with backoff: after the stall, the host is left out', async (t) => {
  const servers = await startAvroSources(t, 3);
  servers[0]!.setFaults({ handshakeStallMs: Infinity });
  const client = new LoadBalancingRpcClient({ hosts: hostsOf(servers), options, backoff: true, backoffBaseMs: 60_000 });
  t.teardown(() => client.close());
  for (let i = 0; i < 3; i += 1) await timed(client.append(event(`warm-up ${i}`)));
  const durations = await Promise.all(Array.from({ length: 6 }, (_, i) => timed(client.append(event(i)))));
  t.ok(Math.max(...durations) < HANDSHAKE_TIMEOUT_MS, `no later call waited (${durations.join(', ')} ms)`);
  t.equal(client.hostStates()[0]!.attempts, 1, 'h1 was tried once');
  t.same(
    acked(servers)
      .slice(1)
      .map((n) => n > 0),
    [true, true],
  );
  t.equal(servers[0]!.stats.eventsAcknowledged, 0);
});

t.test('failover: a stalled primary delays the calls waiting on it by the handshake timeout, then none', async (t) => {
  const servers = await startAvroSources(t, 2);
  servers[0]!.setFaults({ handshakeStallMs: Infinity });
  const client = new FailoverRpcClient({ hosts: hostsOf(servers), options });
  t.teardown(() => client.close());
  const first = await Promise.all(Array.from({ length: 4 }, (_, i) => timed(client.append(event(i)))));
  for (const ms of first) t.ok(ms < HANDSHAKE_TIMEOUT_MS + SLACK_MS, `a call during the stall took ${ms}ms`);
  const after = await Promise.all(Array.from({ length: 4 }, (_, i) => timed(client.append(event(`after ${i}`)))));
  t.ok(
    Math.max(...after) < HANDSHAKE_TIMEOUT_MS,
    `calls after it went straight to the secondary (${after.join(', ')} ms)`,
  );
  t.same(acked(servers), [0, 8]);
  t.equal(client.activeHost?.alias, 'h2');
});
