/**
 * The multi-host clients under the same rules as the single one: one call-timeout budget over
 * every host a call tries; calls queued on a host judged stalled move to the next host instead of
 * waiting their turn there; close() is prompt, and a forced close cuts written calls.
 */
import t from 'tap';
import {
  CallTimeoutError,
  ClientClosedError,
  EventBuilder,
  FailoverRpcClient,
  LoadBalancingRpcClient,
} from '@flume-rpc/rpc-client';
import { SLACK_MS, failure, startAvroSources, within } from '../fixtures/index.js';
import { FAST, acked, event, hostsOf } from './helpers.js';

t.test(
  'failover: the budget spans every host; two stalled handshakes end in CallTimeoutError, not after two handshake timeouts',
  async (t) => {
    const servers = await startAvroSources(t, 2, { faults: { handshakeStallMs: Infinity } });
    const client = new FailoverRpcClient({
      hosts: hostsOf(servers),
      options: { ...FAST, handshakeTimeoutMs: 30_000, callTimeoutMs: 400 },
    });
    t.teardown(() => client.close({ force: true }));
    const error = (await within(failure(client.append(event(1))), SLACK_MS, 'the call')) as CallTimeoutError;
    t.type(error, CallTimeoutError);
    t.equal(error.phase, 'connecting');
    t.equal(error.budgetMs, 400);
    t.match(error.message, /h1 \(127\.0\.0\.1:\d+\)/, 'names the host it was waiting on');
    t.equal(client.counters.eventsFailed, 1);
  },
);

t.test('failover: calls queued on a host that stalls move to the next host when it is judged stalled', async (t) => {
  const [stalled, healthy] = await startAvroSources(t, 2);
  stalled!.setFaults({ responseDelayMs: Infinity });
  const REQUEST_MS = 300;
  const client = new FailoverRpcClient({
    hosts: hostsOf([stalled!, healthy!]),
    options: { ...FAST, requestTimeoutMs: REQUEST_MS, maxInflight: 1 },
  });
  t.teardown(() => client.close({ force: true }));
  await client.connect();
  // One call written to h1, four queued behind it on h1's single slot.
  const calls = [1, 2, 3, 4, 5].map((i) =>
    client.append(event(i)).then(
      () => 'ok',
      (err: Error) => err.name,
    ),
  );
  const results = await within(Promise.all(calls), REQUEST_MS + SLACK_MS, 'every call');
  t.same(results, ['ok', 'ok', 'ok', 'ok', 'ok'], 'all delivered');
  // h1 committed the one call it got but never answered it: h2 got it again (at-least-once).
  t.equal(stalled!.stats.callsAnswered, 1, 'h1 received one call only');
  t.same(
    acked([stalled!, healthy!]),
    [1, 5],
    'h2 took all five: the queued ones moved instead of waiting their turn on h1',
  );
  const h1 = client.hostStates().find((h) => h.alias === 'h1')!;
  t.equal(h1.counters.eventsSent, 1, 'only the first call was ever written to h1');
});

t.test(
  'failover and load balancing: close during a stalled handshake is prompt and refuses the waiting calls',
  async (t) => {
    const servers = await startAvroSources(t, 2, { faults: { handshakeStallMs: Infinity } });
    const options = { ...FAST, handshakeTimeoutMs: 30_000, requestTimeoutMs: 30_000, callTimeoutMs: 60_000 };
    const clients = [
      new FailoverRpcClient({ hosts: hostsOf(servers), options }),
      new LoadBalancingRpcClient({ hosts: hostsOf(servers), options }),
    ];
    for (const client of clients) {
      const waiting = client.appendBatch([EventBuilder.withBody('a'), EventBuilder.withBody('b')]).then(
        () => null,
        (err: Error) => err,
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      await within(client.close(), SLACK_MS, `${client.constructor.name}.close()`);
      const error = await within(waiting, SLACK_MS, 'the waiting call');
      t.type(error, ClientClosedError, `${client.constructor.name}: the waiting call is refused`);
      t.equal((error as ClientClosedError).written, false);
      t.equal(client.counters.eventsFailed, 2);
    }
  },
);

t.test('load balancing: close({ force }) cuts written calls', async (t) => {
  const servers = await startAvroSources(t, 2, { faults: { responseDelayMs: Infinity } });
  const client = new LoadBalancingRpcClient({
    hosts: hostsOf(servers),
    options: { ...FAST, requestTimeoutMs: 30_000, closeTimeoutMs: 30_000, callTimeoutMs: 60_000 },
  });
  const calls = [1, 2, 3, 4].map((i) =>
    client.append(event(i)).then(
      () => null,
      (err: Error) => err,
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  await within(client.close({ force: true }), SLACK_MS, 'the forced close');
  const errors = await within(Promise.all(calls), SLACK_MS, 'the calls');
  for (const error of errors) t.type(error, ClientClosedError);
  t.equal(client.counters.eventsFailed, 4);
});
