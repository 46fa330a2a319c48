/**
 * call-timeout: one budget per call over queueing, connecting (handshakes, retries, backoff) and
 * the answer. A call out of budget rejects with CallTimeoutError naming what it waited for, and
 * calls queued behind a stalled connection end by their own deadline, not one request timeout
 * after another.
 */
import t from 'tap';
import {
  CallTimeoutError,
  ConfigurationError,
  ConnectError,
  EventBuilder,
  RequestTimeoutError,
} from '@flume-rpc/rpc-client';
import {
  SLACK_MS,
  assertBalanced,
  closedPort,
  failure,
  makeClient,
  outcome,
  startRecordingServer,
  within,
} from '../fixtures/index.js';

t.test('calls queued behind an agent that never answers all end within their budget', async (t) => {
  const rec = await startRecordingServer(t, { faults: { responseDelayMs: Infinity } });
  const REQUEST_MS = 300;
  const BUDGET_MS = 800;
  // 60 calls, 2 at a time: waiting their turn, each with its own request timeout, the last would end after 30 x 300 ms.
  const client = makeClient(t, rec.port, { requestTimeoutMs: REQUEST_MS, callTimeoutMs: BUDGET_MS, maxInflight: 2 });
  await client.connect();
  const started = Date.now();
  const calls = Array.from({ length: 60 }, (_, i) => outcome(client.append(EventBuilder.withBody(`q${i}`))));
  const results = await within(Promise.all(calls), BUDGET_MS + SLACK_MS, 'every call to settle by its budget');
  const lastAt = Math.max(...results.map((r) => r.at));
  t.ok(
    lastAt - started < 30 * REQUEST_MS,
    `the last call settled ${lastAt - started}ms after the first, not after 30 request timeouts`,
  );
  t.ok(
    results.every((r) => !r.ok),
    'none was acknowledged',
  );
  const queued = results.flatMap((r) =>
    !r.ok && r.error instanceof CallTimeoutError && r.error.phase === 'queued' ? [r.error] : [],
  );
  t.ok(queued.length >= 40, `most calls ran out of budget waiting for a slot (${queued.length})`);
  for (const error of queued.slice(0, 3)) {
    t.equal(error.budgetMs, BUDGET_MS);
    t.ok(error.waitedMs >= BUDGET_MS - 5, `waited its whole budget (${error.waitedMs}ms)`);
    t.match(error.message, /waiting for a free slot/);
    t.equal(error.code, 'FLUME_RPC_CALL_TIMEOUT');
  }
  const written = results.filter(
    (r) =>
      !r.ok &&
      (r.error instanceof RequestTimeoutError ||
        (r.error instanceof CallTimeoutError && r.error.phase === 'awaiting-answer')),
  );
  t.ok(written.length >= 2, `the written ones timed out awaiting the answer (${written.length})`);
  assertBalanced(t, client);
});

t.test(
  'a handshake that never completes: CallTimeoutError while connecting, long before the handshake timeout',
  async (t) => {
    const rec = await startRecordingServer(t, { faults: { handshakeStallMs: Infinity } });
    const client = makeClient(t, rec.port, { handshakeTimeoutMs: 30_000, callTimeoutMs: 300 });
    const error = await failure(client.append(EventBuilder.withBody('x')), 'the call', SLACK_MS);
    t.type(error, CallTimeoutError);
    t.equal((error as CallTimeoutError).phase, 'connecting');
    t.match(error.message, /call-timeout 300ms/);
    t.same(rec.calls, [], 'nothing was written');
  },
);

t.test('a call out of budget while retrying names the last connection failure', async (t) => {
  const port = await closedPort();
  const client = makeClient(t, port, {
    maxRetries: 1000,
    retryBackoffInitialMs: 30,
    retryBackoffMaxMs: 30,
    callTimeoutMs: 250,
  });
  const error = (await failure(client.append(EventBuilder.withBody('x')))) as CallTimeoutError;
  t.type(error, CallTimeoutError);
  t.equal(error.phase, 'connecting');
  t.type(error.cause, ConnectError, 'the cause is the last refused connect');
  t.match(error.message, /last failure: Connect to/);
  t.ok(client.counters.connectFailures >= 2, 'the retries went on while the call waited');
});

t.test(
  'a per-call timeoutMs overrides call-timeout; a budget shorter than the request timeout does not drop the connection',
  async (t) => {
    const rec = await startRecordingServer(t, { faults: { responseDelayMs: Infinity } });
    const client = makeClient(t, rec.port, { requestTimeoutMs: 5000, callTimeoutMs: 60_000 });
    await client.connect();
    const error = (await failure(
      client.append(EventBuilder.withBody('short'), { timeoutMs: 150 }),
    )) as CallTimeoutError;
    t.type(error, CallTimeoutError);
    t.equal(error.phase, 'awaiting-answer');
    t.equal(error.budgetMs, 150);
    rec.server.setFaults({ responseDelayMs: 0 });
    await client.append(EventBuilder.withBody('after'));
    t.equal(
      client.counters.connectionsOpened,
      1,
      'the connection was kept: 150 ms without an answer says nothing of a stall',
    );
    t.same(rec.bodies(), ['short', 'after'], 'the late answer to the first call was ignored, the second was answered');
  },
);

t.test('a bad per-call timeoutMs is refused before anything is sent', async (t) => {
  const rec = await startRecordingServer(t);
  const client = makeClient(t, rec.port);
  for (const bad of [0, -5, 1.5, Number.NaN]) {
    const error = await failure(client.append(EventBuilder.withBody('x'), { timeoutMs: bad }));
    t.type(error, ConfigurationError, `timeoutMs ${bad} refused`);
  }
  t.same(rec.calls, []);
  assertBalanced(t, client);
});
