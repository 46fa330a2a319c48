/**
 * Timeouts and failures of one Transceiver: each phase is bounded by its own timeout, a request
 * timeout fails only that request (a late answer is ignored), a lost connection fails every
 * pending call at once, aborts and calls after close() reject at once.
 * Loopback only: a connect *timeout* needs a peer that drops SYNs, which 127.0.0.1 never does, so
 * only the refused connect (ConnectError) is tested here.
 */
import t, { type Test } from 'tap';
import { performance } from 'node:perf_hooks';
import {
  AbortError,
  type AvroFlumeEvent,
  ConnectError,
  ConnectionClosedError,
  type ConnectionState,
  type FlumeRpcError,
  HandshakeTimeoutError,
  RequestTimeoutError,
  type Status,
} from '@flume-rpc/netty-compat';
import { appendEvent } from '../fixtures/vectors.js';
import {
  LOOPBACK,
  SLACK_MS,
  closedPort,
  nextEvent,
  openTransceiver,
  outcome,
  startAvroSource,
  startRawServer,
  within,
} from '../fixtures/index.js';

function event(body: string): AvroFlumeEvent {
  return { headers: {}, body: Buffer.from(body) };
}

/** A server whose append handler holds events with body 'stall' until released (all released in teardown). */
async function stallingServer(t: Test) {
  const held: Array<(status: Status) => void> = [];
  const waiters: Array<() => void> = [];
  let stalled = 0;
  const server = await startAvroSource(t, {
    handlers: {
      append: (e) => {
        if (e.body.toString() !== 'stall') return 'OK';
        stalled += 1;
        waiters.splice(0).forEach((w) => w());
        return new Promise<Status>((resolve) => held.push(resolve));
      },
    },
  });
  t.teardown(() => held.splice(0).forEach((release) => release('OK')));
  return {
    server,
    /** Handlers that have received a 'stall' event so far. */
    get stalled() {
      return stalled;
    },
    /** Resolves once `n` 'stall' events have reached the handler. */
    async whenStalled(n: number): Promise<void> {
      while (stalled < n) await within(new Promise<void>((r) => waiters.push(r)), SLACK_MS, `${n} stalled calls`);
    },
    release(status: Status = 'OK') {
      held.splice(0).forEach((r) => r(status));
    },
  };
}

t.test('handshake timeout: a server that accepts and never answers', async (t) => {
  let received = 0;
  const closedByClient: Array<Promise<unknown>> = [];
  const raw = await startRawServer(t, (socket) => {
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    closedByClient.push(nextEvent(socket, 'close', SLACK_MS));
  });
  const started = performance.now();
  const transceiver = openTransceiver(t, raw.port, { handshakeTimeoutMs: 50 });
  const call = outcome(transceiver.append(appendEvent()));
  const ready = outcome(transceiver.ready());
  const [callResult, readyResult] = await within(Promise.all([call, ready]), SLACK_MS, 'the handshake timeout');
  const elapsed = performance.now() - started;
  t.ok(elapsed >= 45, `not before the timeout (${elapsed.toFixed(1)}ms)`);
  t.ok(elapsed < 1000, `not much later than the timeout (${elapsed.toFixed(1)}ms)`);
  t.notOk(callResult.ok);
  const error = !callResult.ok ? callResult.error : null;
  t.ok(error instanceof HandshakeTimeoutError, 'the pending call rejects with HandshakeTimeoutError');
  t.equal((error as HandshakeTimeoutError).code, 'FLUME_RPC_HANDSHAKE_TIMEOUT');
  t.equal((error as HandshakeTimeoutError).timeoutMs, 50);
  t.equal((error as HandshakeTimeoutError).address, `${LOOPBACK}:${raw.port}`);
  t.equal(!readyResult.ok && readyResult.error, error, 'ready() rejects with the same error');
  t.equal(transceiver.state, 'closed');
  await within(Promise.all(closedByClient), SLACK_MS, 'the client to close its socket');
  t.equal(closedByClient.length, 1, 'the client released its one socket');
  t.ok(received > 0, 'the handshake had been sent (and never answered)');
});

t.test('handshake timeout: an AvroSourceServer stalling its handshake answers', async (t) => {
  const server = await startAvroSource(t, { faults: { handshakeStallMs: Number.POSITIVE_INFINITY } });
  const started = performance.now();
  const transceiver = openTransceiver(t, server.port, { handshakeTimeoutMs: 50 });
  const result = await within(outcome(transceiver.ready()), SLACK_MS, 'ready() to settle');
  const elapsed = performance.now() - started;
  t.ok(!result.ok && result.error instanceof HandshakeTimeoutError, 'HandshakeTimeoutError');
  t.ok(elapsed >= 45 && elapsed < 1000, `after about 50ms (${elapsed.toFixed(1)}ms)`);
});

t.test('the request timeout does not apply to the call carrying the handshake', async (t) => {
  // The handshake (and the call it carries) is bounded by the handshake timeout only.
  const server = await startAvroSource(t, { faults: { handshakeStallMs: 150 } });
  const transceiver = openTransceiver(t, server.port, { requestTimeoutMs: 20, handshakeTimeoutMs: SLACK_MS });
  t.equal(await within(transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK');
  t.equal(transceiver.state, 'ready');
});

t.test('ConnectError on a refused connect (a port just closed)', async (t) => {
  const port = await closedPort();
  const transceiver = openTransceiver(t, port);
  const states: Array<[ConnectionState, ConnectionState]> = [];
  transceiver.on('state', (to, from) => states.push([to, from]));
  const closeEvent = nextEvent<[FlumeRpcError]>(transceiver, 'close');
  const result = await within(outcome(transceiver.append(appendEvent())), SLACK_MS, 'the refused connect');
  t.notOk(result.ok);
  const error = !result.ok ? result.error : null;
  t.ok(error instanceof ConnectError, 'ConnectError');
  t.equal((error as ConnectError).code, 'FLUME_RPC_CONNECT');
  t.equal((error as ConnectError).address, `${LOOPBACK}:${port}`);
  t.match((error as Error).message, /ECONNREFUSED/);
  t.equal(((error as Error).cause as NodeJS.ErrnoException)?.code, 'ECONNREFUSED');
  const [closeError] = await closeEvent;
  t.equal(closeError, error, "the 'close' event carries the same error");
  t.same(states, [['closed', 'connecting']]);
  t.equal(transceiver.state, 'closed');
});

t.test(
  'a request timeout fails only that request; the late answer is ignored and the connection stays ready',
  async (t) => {
    const fixture = await stallingServer(t);
    const transceiver = openTransceiver(t, fixture.server.port, { requestTimeoutMs: 250 });
    let closes = 0;
    transceiver.on('close', () => (closes += 1));
    await within(transceiver.ready(), SLACK_MS, 'ready');

    const started = performance.now();
    const first = outcome(transceiver.append(event('stall')));
    const second = outcome(transceiver.append(event('a')));
    const third = outcome(transceiver.append(event('b')));
    const [r2, r3] = await within(Promise.all([second, third]), SLACK_MS, 'the unstalled calls');
    t.same([r2.ok && r2.value, r3.ok && r3.value], ['OK', 'OK'], 'the later calls are answered');
    t.equal(transceiver.pendingCount, 1, 'only the stalled call is pending');
    const r1 = await within(first, SLACK_MS, 'the stalled call');
    const elapsed = performance.now() - started;
    t.notOk(r1.ok);
    const error = !r1.ok ? r1.error : null;
    t.ok(error instanceof RequestTimeoutError, 'the stalled call rejects with RequestTimeoutError');
    t.equal((error as RequestTimeoutError).messageName, 'append');
    t.equal((error as RequestTimeoutError).timeoutMs, 250);
    t.ok(elapsed >= 240 && elapsed < 250 + SLACK_MS, `after about 250ms (${elapsed.toFixed(1)}ms)`);
    t.ok(r2.at <= r1.at && r3.at <= r1.at, 'the others did not wait for it');
    t.equal(transceiver.state, 'ready');
    t.equal(transceiver.pendingCount, 0);

    // Now the server answers the abandoned call; the answer reaches the client before the next one.
    t.equal(fixture.stalled, 1);
    const answeredBefore = fixture.server.stats.callsAnswered;
    fixture.release('FAILED');
    t.equal(await within(transceiver.append(event('c')), SLACK_MS, 'append after the late answer'), 'OK');
    t.equal(fixture.server.stats.callsAnswered, answeredBefore + 2, 'the late answer was sent');
    t.equal(transceiver.state, 'ready', 'the late answer did not break the connection');
    t.equal(closes, 0, "no 'close' event");
  },
);

t.test('a per-call timeoutMs overrides the transceiver request timeout', async (t) => {
  const fixture = await stallingServer(t);
  const transceiver = openTransceiver(t, fixture.server.port, { requestTimeoutMs: SLACK_MS * 5 });
  await within(transceiver.ready(), SLACK_MS, 'ready');
  const started = performance.now();
  const result = await within(
    outcome(transceiver.append(event('stall'), { timeoutMs: 60 })),
    SLACK_MS,
    'the stalled call',
  );
  const elapsed = performance.now() - started;
  t.ok(!result.ok && result.error instanceof RequestTimeoutError);
  t.equal(!result.ok && (result.error as RequestTimeoutError).timeoutMs, 60);
  t.ok(elapsed >= 55 && elapsed < 1000, `after about 60ms (${elapsed.toFixed(1)}ms)`);
});

t.test('one deadline timer per connection: calls with different timeouts each expire at their own time', async (t) => {
  const fixture = await stallingServer(t);
  const transceiver = openTransceiver(t, fixture.server.port, { requestTimeoutMs: SLACK_MS * 5 });
  await within(transceiver.ready(), SLACK_MS, 'ready');
  const started = performance.now();
  // Made longest first: the timer armed for the first call must be brought forward for the others.
  const timeouts = [400, 100, 250];
  const expired: number[] = [];
  const calls = timeouts.map((timeoutMs) =>
    outcome(transceiver.append(event('stall'), { timeoutMs })).then((result) => {
      expired.push(timeoutMs);
      return { result, elapsed: performance.now() - started };
    }),
  );
  const results = await within(Promise.all(calls), SLACK_MS, 'the stalled calls');
  t.same(expired, [100, 250, 400], 'they fail in the order of their deadlines, not of their calls');
  results.forEach(({ result, elapsed }, i) => {
    const timeoutMs = timeouts[i]!;
    t.ok(!result.ok && result.error instanceof RequestTimeoutError, `the ${timeoutMs} ms call: RequestTimeoutError`);
    t.equal(!result.ok && (result.error as RequestTimeoutError).timeoutMs, timeoutMs);
    t.ok(
      elapsed >= timeoutMs - 5 && elapsed < timeoutMs + SLACK_MS,
      `the ${timeoutMs} ms call failed after ${elapsed.toFixed(1)} ms`,
    );
  });
  t.equal(transceiver.state, 'ready', 'the connection stays ready');
});

t.test('calls answered in time are never failed by the deadline sweep, over many timeouts', async (t) => {
  const server = await startAvroSource(t);
  const timeoutMs = 50;
  const transceiver = openTransceiver(t, server.port, { requestTimeoutMs: timeoutMs });
  await within(transceiver.ready(), SLACK_MS, 'ready');
  // Back-to-back calls for six timeouts' worth of time (bounded in count too): the sweep wakes
  // several times while a call is in flight and must fail none of them.
  const started = performance.now();
  let calls = 0;
  while (performance.now() - started < 6 * timeoutMs && calls < 20_000) {
    const burst = await Promise.all([1, 2, 3, 4].map(() => outcome(transceiver.append(event('a')))));
    for (const result of burst) if (!result.ok) t.fail(`call ${calls} failed: ${String(result.error)}`);
    calls += burst.length;
  }
  t.ok(calls > 0, `${calls} calls answered over ${(performance.now() - started).toFixed(0)} ms`);
  t.equal(transceiver.pendingCount, 0);
  t.equal(transceiver.state, 'ready');
});

t.test('server close mid-request: every pending call rejects with ConnectionClosedError at once', async (t) => {
  const fixture = await stallingServer(t);
  const transceiver = openTransceiver(t, fixture.server.port);
  await within(transceiver.ready(), SLACK_MS, 'ready');
  const calls = [0, 1, 2].map(() => outcome(transceiver.append(event('stall'))));
  // Wait until the server holds all three, so they are truly in flight.
  await fixture.whenStalled(3);
  t.equal(fixture.stalled, 3, 'three calls in flight');
  const closeEvent = nextEvent<[FlumeRpcError]>(transceiver, 'close');
  const closedAt = Date.now();
  await fixture.server.close();
  const results = await within(Promise.all(calls), SLACK_MS, 'the pending calls');
  for (const [i, r] of results.entries()) {
    t.ok(!r.ok && r.error instanceof ConnectionClosedError, `call ${i}: ConnectionClosedError`);
    t.equal(!r.ok && (r.error as ConnectionClosedError).code, 'FLUME_RPC_CONNECTION_CLOSED');
  }
  const times = results.map((r) => r.at);
  t.ok(Math.max(...times) - Math.min(...times) < 50, 'all at once');
  t.ok(Math.max(...times) - closedAt < SLACK_MS, 'promptly after the server closed');
  const [closeError] = await closeEvent;
  t.ok(closeError instanceof ConnectionClosedError);
  t.equal(transceiver.state, 'closed');
  t.equal(transceiver.pendingCount, 0);
  const after = await outcome(transceiver.append(appendEvent()));
  t.ok(!after.ok && after.error === closeError, 'a later call gets the same error at once');
});

t.test(
  'server drops the connection on a call (closeOnNextCalls): the call and those queued behind it fail',
  async (t) => {
    const server = await startAvroSource(t);
    const transceiver = openTransceiver(t, server.port);
    await within(transceiver.ready(), SLACK_MS, 'ready');
    server.faults.closeOnNextCalls = 1;
    const results = await within(
      Promise.all([outcome(transceiver.append(appendEvent())), outcome(transceiver.appendBatch([appendEvent()]))]),
      SLACK_MS,
      'the calls',
    );
    t.ok(
      results.every((r) => !r.ok && r.error instanceof ConnectionClosedError),
      'both reject with ConnectionClosedError',
    );
    t.equal(transceiver.state, 'closed');
  },
);

t.test('server closes while the handshake is pending: the carried call and ready() fail', async (t) => {
  const raw = await startRawServer(t, (socket) => socket.once('data', () => socket.destroy()));
  const transceiver = openTransceiver(t, raw.port);
  const [call, ready] = await within(
    Promise.all([outcome(transceiver.append(appendEvent())), outcome(transceiver.ready())]),
    SLACK_MS,
    'the failure',
  );
  t.ok(!call.ok && call.error instanceof ConnectionClosedError, 'the call rejects with ConnectionClosedError');
  t.ok(!ready.ok && ready.error instanceof ConnectionClosedError, 'ready() too');
  t.equal(transceiver.state, 'closed');
});

t.test('AbortSignal: an aborted call rejects with AbortError; the connection goes on', async (t) => {
  const fixture = await stallingServer(t);
  const transceiver = openTransceiver(t, fixture.server.port);
  await within(transceiver.ready(), SLACK_MS, 'ready');

  const before = fixture.server.stats.callsAnswered;
  const pre = await outcome(transceiver.append(appendEvent(), { signal: AbortSignal.abort('too late') }));
  t.ok(!pre.ok && pre.error instanceof AbortError, 'already aborted: AbortError');
  t.equal(!pre.ok && (pre.error as AbortError).code, 'FLUME_RPC_ABORTED');
  t.equal(!pre.ok && (pre.error as AbortError).cause, 'too late', 'the reason is the cause');

  const controller = new AbortController();
  const inFlight = outcome(transceiver.append(event('stall'), { signal: controller.signal }));
  await fixture.whenStalled(1);
  t.equal(fixture.stalled, 1, 'the call reached the server');
  const abortedAt = Date.now();
  controller.abort(new Error('user gave up'));
  const mid = await within(inFlight, SLACK_MS, 'the aborted call');
  t.ok(!mid.ok && mid.error instanceof AbortError, 'in flight: AbortError');
  t.match(!mid.ok && mid.error.message, /user gave up/);
  t.ok(mid.at - abortedAt < 100, 'at once');
  t.equal(transceiver.state, 'ready');
  t.equal(transceiver.pendingCount, 0);
  fixture.release();
  t.equal(await within(transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK', 'later calls work');
  t.equal(fixture.server.stats.callsAnswered, before + 2, 'the pre-aborted call never reached the server');
});

t.test('AbortSignal on the call carrying the handshake: the call rejects, the handshake goes on', async (t) => {
  const server = await startAvroSource(t, { faults: { handshakeStallMs: 100 } });
  const transceiver = openTransceiver(t, server.port);
  const controller = new AbortController();
  const call = outcome(transceiver.append(appendEvent(), { signal: controller.signal }));
  await nextEvent(transceiver, 'state'); // handshaking: the call is on the wire
  controller.abort();
  const result = await within(call, SLACK_MS, 'the aborted call');
  t.ok(!result.ok && result.error instanceof AbortError);
  await within(transceiver.ready(), SLACK_MS, 'the handshake');
  t.equal(transceiver.state, 'ready');
  t.equal(await within(transceiver.append(appendEvent()), SLACK_MS, 'append'), 'OK');
});

t.test('after close(): calls reject at once, ready() rejects, close() is idempotent', async (t) => {
  const server = await startAvroSource(t);
  const transceiver = openTransceiver(t, server.port);
  await within(transceiver.ready(), SLACK_MS, 'ready');
  let closes = 0;
  transceiver.on('close', () => (closes += 1));
  transceiver.close();
  t.equal(transceiver.state, 'closed', 'closed synchronously');
  const started = performance.now();
  const results = await Promise.all([
    outcome(transceiver.append(appendEvent())),
    outcome(transceiver.appendBatch([appendEvent()])),
    outcome(transceiver.ready()),
  ]);
  t.ok(performance.now() - started < 50, 'at once');
  t.ok(
    results.every((r) => !r.ok && r.error instanceof ConnectionClosedError),
    'ConnectionClosedError for each',
  );
  t.match(!results[0].ok && results[0].error.message, /closed by the client/);
  transceiver.close();
  t.equal(closes, 1, "one 'close' event");
  t.equal(server.stats.callsAnswered, 0, 'nothing was sent');
});

t.test('close() while calls are queued behind the handshake rejects them all', async (t) => {
  const server = await startAvroSource(t, { faults: { handshakeStallMs: Number.POSITIVE_INFINITY } });
  const transceiver = openTransceiver(t, server.port);
  const calls = [outcome(transceiver.append(appendEvent())), outcome(transceiver.append(appendEvent()))];
  await nextEvent(transceiver, 'state');
  t.equal(transceiver.pendingCount, 2, 'one carrying the handshake, one queued');
  transceiver.close('for the test');
  const results = await within(Promise.all(calls), SLACK_MS, 'the calls');
  t.ok(results.every((r) => !r.ok && r.error instanceof ConnectionClosedError));
  t.match(!results[1]!.ok && results[1]!.error.message, /for the test/);
  t.equal(transceiver.pendingCount, 0);
});
