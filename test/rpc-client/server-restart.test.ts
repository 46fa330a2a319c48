/**
 * The connection goes away under a working client: the server restarts on the same port, drops
 * its connections, closes the connection when a call arrives, or drops new connections. A call
 * that was written when that happened is reported (at-least-once: the client never resends it on
 * its own); the next call opens a new connection and succeeds.
 */
import t from 'tap';
import {
  ConnectError,
  ConnectionClosedError,
  EventBuilder,
  type FlumeRpcError,
  type RetryInfo,
} from '@flume-rpc/rpc-client';
import {
  SLACK_MS,
  assertBalanced,
  failure,
  makeClient,
  nextEvent,
  outcome,
  recordEvents,
  startRecordingServer,
  until,
  within,
} from '../fixtures/index.js';

t.test('restart between calls: after the disconnect event the next call reconnects and succeeds', async (t) => {
  const rec = await startRecordingServer(t);
  const client = makeClient(t, rec.port);
  await client.append(EventBuilder.withBody('before'));
  t.equal(client.state, 'ready');

  const disconnected = nextEvent<[string, FlumeRpcError]>(client, 'disconnect');
  await rec.server.close();
  const [address, cause] = await disconnected;
  t.equal(address, `127.0.0.1:${rec.port}`);
  t.type(cause, ConnectionClosedError, 'the disconnect names why');
  t.equal(client.state, 'idle', 'a lost connection leaves the client idle, not dead');
  t.equal(client.isActive(), true);
  await rec.server.listen();

  await within(client.append(EventBuilder.withBody('after')), SLACK_MS, 'the call after the restart');
  t.same(rec.bodies(), ['before', 'after']);
  t.equal(client.counters.connectionsOpened, 2);
  t.equal(client.counters.reconnects, 1);
  t.equal(rec.server.stats.connectionsAccepted, 2);
  assertBalanced(t, client);
});

t.test(
  'restart and a call at once: it succeeds or fails with a typed error, and the following call succeeds',
  async (t) => {
    // Repeated, because which of the two happens depends on when the client notices the close.
    for (let round = 0; round < 5; round += 1) {
      const rec = await startRecordingServer(t);
      const client = makeClient(t, rec.port);
      await client.append(EventBuilder.withBody('before'));
      await rec.server.close();
      await rec.server.listen();
      const immediate = await outcome(
        within(client.append(EventBuilder.withBody('immediate')), SLACK_MS, 'the immediate call'),
      );
      if (!immediate.ok) {
        t.type(
          immediate.error,
          ConnectionClosedError,
          `round ${round}: the immediate call failed with a typed error (${immediate.error.message})`,
        );
      }
      await within(client.append(EventBuilder.withBody('following')), SLACK_MS, 'the following call');
      const expected = immediate.ok ? ['before', 'immediate', 'following'] : ['before', 'following'];
      t.same(
        rec.bodies(),
        expected,
        `round ${round}: ${immediate.ok ? 'immediate call succeeded' : 'immediate call reported'}`,
      );
      t.equal(client.isActive(), true);
      assertBalanced(t, client, `round ${round}`);
    }
  },
);

t.test('dropConnections: the idle client notices, and reconnects on the next call', async (t) => {
  const rec = await startRecordingServer(t);
  const client = makeClient(t, rec.port);
  await client.connect();
  const disconnected = nextEvent(client, 'disconnect');
  rec.server.dropConnections();
  await disconnected;
  await client.append(EventBuilder.withBody('x'));
  t.same(rec.bodies(), ['x']);
  t.equal(client.counters.reconnects, 1);
});

t.test(
  'the server closes the connection when a call arrives: that call is reported, the next one reconnects',
  async (t) => {
    const rec = await startRecordingServer(t);
    const client = makeClient(t, rec.port);
    await client.append(EventBuilder.withBody('first'));
    const log = recordEvents(client);
    rec.server.setFaults({ closeOnNextCalls: 1 });

    const error = await failure(client.append(EventBuilder.withBody('cut-off')));
    t.type(error, ConnectionClosedError, 'a written call whose connection closed fails with ConnectionClosedError');
    t.same(log, ['disconnect', 'state:idle', 'error:ConnectionClosedError'], 'the disconnect, then the reported call');
    t.equal(client.counters.eventsSent, 2, 'the event was written');
    t.equal(client.counters.eventsFailed, 1, 'and reported failed, not silently retried');

    await within(client.append(EventBuilder.withBody('next')), SLACK_MS, 'the next call');
    t.same(rec.bodies(), ['first', 'next'], 'the cut-off call was not resent by the client');
    t.equal(client.counters.connectionsOpened, 2);
    assertBalanced(t, client);
  },
);

t.test('several calls in flight when the connection closes: every one is reported, none hangs', async (t) => {
  const rec = await startRecordingServer(t, { faults: { responseDelayMs: 200 } });
  const client = makeClient(t, rec.port);
  await client.connect();
  const calls = [1, 2, 3, 4].map((i) => outcome(client.append(EventBuilder.withBody(`p${i}`))));
  await until(() => rec.calls.length === 4, 'the server to receive all four calls');
  rec.server.dropConnections();
  const results = await within(Promise.all(calls), SLACK_MS, 'all four calls to settle');
  for (const r of results) t.ok(!r.ok && r.error instanceof ConnectionClosedError, 'reported as ConnectionClosedError');
  t.equal(client.counters.eventsFailed, 4);
  rec.server.setFaults({ responseDelayMs: 0 });
  await client.append(EventBuilder.withBody('after'));
  assertBalanced(t, client);
});

t.test('a server that drops new connections: the handshake failure is retried and the call succeeds', async (t) => {
  const rec = await startRecordingServer(t);
  const client = makeClient(t, rec.port, { maxRetries: 2 });
  await client.connect(); // connection 1
  rec.server.setFaults({ dropEveryNthConnection: 2 }); // connection 2 will be dropped at accept
  const disconnected = nextEvent(client, 'disconnect');
  rec.server.dropConnections();
  await disconnected;
  const retries: RetryInfo[] = [];
  client.on('retry', (info) => retries.push(info));
  await within(client.append(EventBuilder.withBody('through')), SLACK_MS, 'the call through connection 3');
  t.equal(retries.length, 1, 'one retry for the dropped connection');
  t.ok(
    retries[0]!.cause instanceof ConnectionClosedError || retries[0]!.cause instanceof ConnectError,
    `the retry names a typed cause (${retries[0]!.cause.name})`,
  );
  t.equal(rec.server.stats.connectionsAccepted, 3);
  t.equal(client.counters.connectFailures, 1);
  t.equal(client.counters.reconnects, 1);
  t.same(rec.bodies(), ['through']);
});
