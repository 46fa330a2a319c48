/**
 * close(): waits for calls already written up to close-timeout, refuses the others at once,
 * releases the connection; it is idempotent, isActive() turns false at once, and no call on a
 * closed (or closing) client ever hangs.
 */
import t from 'tap';
import { ClientClosedError, EventBuilder } from '@flume-rpc/rpc-client';
import {
  SLACK_MS,
  assertBalanced,
  closedPort,
  failure,
  makeClient,
  nextEvent,
  outcome,
  startRecordingServer,
  until,
  within,
} from '../fixtures/index.js';

t.test('close waits for calls in flight; they complete; later calls reject ClientClosedError', async (t) => {
  const rec = await startRecordingServer(t, { faults: { responseDelayMs: 150 } });
  const client = makeClient(t, rec.port, { requestTimeoutMs: 5000 });
  await client.connect();
  const calls = ['a', 'b', 'c'].map((body) => outcome(client.append(EventBuilder.withBody(body))));
  await until(() => rec.calls.length === 3, 'the server to receive the three calls');

  const closeStarted = Date.now();
  const closing = client.close();
  t.equal(client.isActive(), false, 'isActive() is false as soon as close() is called');
  const during = await failure(client.append(EventBuilder.withBody('during-close')));
  t.type(during, ClientClosedError, 'a call made while closing is refused at once');

  await within(closing, SLACK_MS, 'close()');
  const closedAt = Date.now();
  const closedAfter = closedAt - closeStarted;
  const results = await Promise.all(calls);
  t.ok(
    results.every((r) => r.ok),
    'the in-flight calls completed instead of being cut off',
  );
  t.ok(
    results.every((r) => r.at <= closedAt),
    'and settled before close() resolved',
  );
  t.ok(closedAfter >= 100, `close() waited for them (${closedAfter}ms)`);
  t.same(rec.bodies(), ['a', 'b', 'c']);
  t.equal(client.state, 'shutdown');

  const after = await failure(client.append(EventBuilder.withBody('after-close')));
  t.type(after, ClientClosedError);
  t.type(await failure(client.appendBatch([EventBuilder.withBody('x')])), ClientClosedError);
  t.type(await failure(client.connect()), ClientClosedError, 'connect() after close is refused too');
  await until(() => rec.server.stats.connectionsOpen === 0, 'the server to see the connection closed');
  t.pass('the socket was released');
  t.same(rec.bodies(), ['a', 'b', 'c'], 'nothing was sent after close');
  assertBalanced(t, client);
});

t.test(
  'close during a stalled handshake is prompt: calls waiting for the connection reject ClientClosedError at once',
  async (t) => {
    const rec = await startRecordingServer(t, { faults: { handshakeStallMs: Infinity } });
    // Long timeouts everywhere: close must not wait for any of them.
    const client = makeClient(t, rec.port, {
      requestTimeoutMs: 20_000,
      handshakeTimeoutMs: 30_000,
      maxInflight: 1,
      maxRetries: 0,
    });
    const connecting = nextEvent(client, 'connect');
    const calls = [1, 2, 3].map((i) => outcome(client.append(EventBuilder.withBody(`w${i}`))));
    await connecting;
    await within(client.close(), SLACK_MS, 'close() (not the 20 s request timeout)');
    const results = await within(Promise.all(calls), SLACK_MS, 'every call to settle');
    for (const r of results) {
      t.ok(
        !r.ok && r.error instanceof ClientClosedError && !r.error.written,
        `rejected with ClientClosedError, not written (${r.ok ? 'ok' : r.error.name})`,
      );
    }
    t.same(rec.calls, [], 'none of them was sent');
    await until(() => rec.server.stats.connectionsOpen === 0, 'the half-open connection to be released');
    t.pass('the connection stuck in the handshake was closed');
    assertBalanced(t, client);
  },
);

t.test(
  'close with written calls that are never answered: waits close-timeout, then they reject ClientClosedError (written)',
  async (t) => {
    const rec = await startRecordingServer(t, { faults: { responseDelayMs: Infinity } });
    const CLOSE_MS = 150;
    const client = makeClient(t, rec.port, { requestTimeoutMs: 20_000, closeTimeoutMs: CLOSE_MS });
    await client.connect();
    const calls = [1, 2].map((i) => outcome(client.append(EventBuilder.withBody(`u${i}`))));
    await until(() => rec.calls.length === 2, 'the server to receive both calls');
    const started = Date.now();
    await within(client.close(), CLOSE_MS + SLACK_MS, 'close()');
    t.ok(Date.now() - started >= CLOSE_MS - 10, 'close() gave the written calls their close-timeout');
    const results = await within(Promise.all(calls), SLACK_MS, 'both calls to settle');
    for (const r of results) {
      t.ok(
        !r.ok && r.error instanceof ClientClosedError && r.error.written,
        `reported as written and maybe delivered (${r.ok ? 'ok' : r.error.message})`,
      );
    }
    assertBalanced(t, client);
  },
);

t.test('close is idempotent', async (t) => {
  const rec = await startRecordingServer(t);
  const client = makeClient(t, rec.port);
  await client.append(EventBuilder.withBody('x'));
  const first = client.close();
  const second = client.close();
  t.equal(first, second, 'a second close() while closing returns the same promise');
  await within(Promise.all([first, second]), SLACK_MS, 'both close() calls');
  await within(client.close(), SLACK_MS, 'a close() after closing');
  t.equal(client.isActive(), false);
  t.equal(client.state, 'shutdown');
});

t.test('close on a client that never connected: no connection is made, close resolves at once', async (t) => {
  const rec = await startRecordingServer(t);
  const client = makeClient(t, rec.port);
  const shutdown = nextEvent(client, 'state');
  await within(client.close(), 500, 'close() of an unused client');
  const [state, previous] = await shutdown;
  t.same([state, previous], ['shutdown', 'idle']);
  t.equal(rec.server.stats.connectionsAccepted, 0);
});

t.test(
  'close while a call waits out the backoff of a failed round: the call rejects at once, not after the backoff',
  async (t) => {
    const port = await closedPort();
    const client = makeClient(t, port, {
      maxRetries: 0,
      retryBackoffInitialMs: 10_000,
      retryBackoffMaxMs: 10_000,
      requestTimeoutMs: 100,
    });
    await failure(client.append(EventBuilder.withBody('first')));
    // The next round may not start before ~10 s: this call waits for it.
    const waiting = outcome(client.append(EventBuilder.withBody('waiting')));
    const started = Date.now();
    await within(client.close(), SLACK_MS, 'close()');
    const result = await within(waiting, SLACK_MS, 'the waiting call');
    t.ok(!result.ok && result.error instanceof ClientClosedError, 'the waiting call rejects with ClientClosedError');
    t.ok(Date.now() - started < 5000, 'long before the backoff would have ended');
    t.equal(client.counters.connectFailures, 1, 'no further attempt was made');
    assertBalanced(t, client);
  },
);

t.test('close while retrying: the retry loop stops', async (t) => {
  const port = await closedPort();
  const client = makeClient(t, port, {
    maxRetries: 1000,
    retryBackoffInitialMs: 20,
    retryBackoffMaxMs: 20,
    requestTimeoutMs: 50,
  });
  const retried = nextEvent(client, 'retry');
  const call = outcome(client.append(EventBuilder.withBody('x')));
  await retried;
  await within(client.close(), SLACK_MS, 'close()');
  const result = await within(call, SLACK_MS, 'the call');
  t.ok(!result.ok && result.error instanceof ClientClosedError);
  const failures = client.counters.connectFailures;
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.equal(client.counters.connectFailures, failures, 'no attempt after close');
});
