/**
 * The server is down when the client starts (connections refused), then comes up on the same
 * port. Connect failures are retried up to max-retries with backoff, then reported; the next
 * call after a failed round waits out the backoff and tries again; nothing is ever permanently dead.
 */
import t, { type Test } from 'tap';
import { ConnectError, EventBuilder, type RetryInfo } from '@flume-rpc/rpc-client';
import {
  LOOPBACK,
  SLACK_MS,
  failure,
  makeClient,
  nextEvent,
  startAvroSource,
  startRecordingServer,
  within,
} from '../fixtures/index.js';

/** A recording server that was started (to own a port) and stopped again: connections to it are refused. */
async function stoppedServer(t: Test) {
  const rec = await startRecordingServer(t);
  await rec.server.close();
  t.equal(rec.server.listening, false);
  return rec;
}

t.test(
  'down at start: the call fails with ConnectError after max-retries; once the server is up the next call succeeds',
  async (t) => {
    const rec = await stoppedServer(t);
    const client = makeClient(t, rec.port, { maxRetries: 3, retryBackoffInitialMs: 10, retryBackoffMaxMs: 40 });
    const retries: RetryInfo[] = [];
    client.on('retry', (info) => retries.push(info));

    const started = Date.now();
    const error = await failure(client.append(EventBuilder.withBody('lost')));
    const elapsed = Date.now() - started;
    t.type(error, ConnectError, 'a refused connection is a ConnectError');
    t.equal((error as ConnectError).address, `${LOOPBACK}:${rec.port}`);
    t.same(
      retries.map((r) => r.attempt),
      [1, 2, 3],
      'max-retries further attempts',
    );
    for (const r of retries) t.type(r.cause, ConnectError);
    t.ok(elapsed >= 10 * 0.8 + 20 * 0.8 + 40 * 0.8 - 5, `the attempts were spaced by the backoff (${elapsed}ms)`);
    t.ok(elapsed < SLACK_MS, `and bounded (${elapsed}ms)`);
    t.equal(client.counters.connectFailures, 4);
    t.equal(client.state, 'transient_failure');
    t.equal(client.isActive(), true);

    await rec.server.listen();
    await within(client.append(EventBuilder.withBody('delivered')), SLACK_MS, 'the first call once the server is up');
    t.same(rec.bodies(), ['delivered']);
    t.equal(client.state, 'ready');
    t.equal(client.counters.connectionsOpened, 1);
    t.equal(client.counters.eventsFailed, 1);
    t.equal(client.counters.eventsAcknowledged, 1);
  },
);

t.test('a server that comes up during the retries: the waiting call succeeds', async (t) => {
  const rec = await stoppedServer(t);
  const client = makeClient(t, rec.port, { maxRetries: 20, retryBackoffInitialMs: 20, retryBackoffMaxMs: 50 });
  const firstRetry = nextEvent<[RetryInfo]>(client, 'retry');
  const call = client.append(EventBuilder.withBody('patient'));
  const [info] = await firstRetry;
  t.type(info.cause, ConnectError);
  await rec.server.listen();
  await within(call, SLACK_MS, 'the call to succeed once the server listens');
  t.same(rec.bodies(), ['patient']);
  t.ok(client.counters.connectFailures >= 1);
});

t.test('after a failed round the next call waits out the backoff (notBefore) instead of hammering', async (t) => {
  const rec = await stoppedServer(t);
  // maxRetries 0: one attempt per round; the backoff after the round is the only wait.
  const client = makeClient(t, rec.port, { maxRetries: 0, retryBackoffInitialMs: 300, retryBackoffMaxMs: 300 });
  await failure(client.append(EventBuilder.withBody('a')));
  const failedAt = Date.now();
  t.equal(client.counters.connectFailures, 1);
  // At once: the round's backoff (300ms +/- 20%) has not passed, so no new attempt is made before it.
  const next = client.append(EventBuilder.withBody('b'));
  const error = await failure(next);
  const waited = Date.now() - failedAt;
  t.type(error, ConnectError);
  t.ok(waited >= 240 - 15, `the second round started only after the backoff (${waited}ms)`);
  t.ok(waited < 300 * 1.2 + SLACK_MS, `bounded (${waited}ms)`);
  t.equal(client.counters.connectFailures, 2);
});

t.test('concurrent calls while the server is down share one connect attempt per round', async (t) => {
  const rec = await stoppedServer(t);
  const client = makeClient(t, rec.port, { maxRetries: 1 });
  const results = await Promise.allSettled([1, 2, 3, 4, 5].map((i) => client.append(EventBuilder.withBody(`c${i}`))));
  t.ok(
    results.every((r) => r.status === 'rejected' && r.reason instanceof ConnectError),
    'all five fail with ConnectError',
  );
  t.equal(client.counters.connectFailures, 2, 'one attempt plus one retry, not one per call');
  t.equal(client.counters.eventsFailed, 5);
  await rec.server.listen();
  await Promise.all([1, 2, 3].map((i) => client.append(EventBuilder.withBody(`ok${i}`))));
  t.same(rec.bodies().sort(), ['ok1', 'ok2', 'ok3']);
  t.equal(client.counters.connectionsOpened, 1, 'one connection for all of them');
});

t.test('connect() can be retried by the caller after it failed', async (t) => {
  const server = await startAvroSource(t);
  const port = server.port;
  await server.close();
  const client = makeClient(t, port, { maxRetries: 0, retryBackoffInitialMs: 0 });
  t.type(await failure(client.connect()), ConnectError);
  await server.listen();
  await within(client.connect(), SLACK_MS, 'connect() once the server is up');
  t.equal(client.state, 'ready');
  await client.append(EventBuilder.withBody('x'));
  t.equal(server.stats.eventsAcknowledged, 1);
});
