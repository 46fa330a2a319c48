/**
 * A server that accepts connections but stalls the Avro handshake, then recovers. Flume's Java
 * client goes DEAD after "Handshake timed out"; ours must fail each call within a bound while
 * the stall lasts (HandshakeTimeoutError, after max-retries further attempts with backoff) and
 * succeed with the same client instance as soon as the server answers again.
 */
import t from 'tap';
import { HandshakeTimeoutError, type RetryInfo } from '@flume-rpc/rpc-client';
import { EventBuilder } from '@flume-rpc/rpc-client';
import {
  SLACK_MS,
  failure,
  makeClient,
  nextEvent,
  recordEvents,
  startRecordingServer,
  within,
} from '../fixtures/index.js';

const HANDSHAKE_MS = 150;
const MAX_RETRIES = 2;
const BACKOFF_INITIAL = 20;
const BACKOFF_MAX = 80;

/** The longest one failed round may take: every attempt times out, every backoff at its +20% edge, plus slack. */
function roundBound(): number {
  let backoffs = 0;
  let base = BACKOFF_INITIAL;
  for (let i = 0; i < MAX_RETRIES; i += 1) {
    backoffs += Math.min(BACKOFF_MAX, base * 1.2);
    base = Math.min(BACKOFF_MAX, base * 2);
  }
  return (MAX_RETRIES + 1) * HANDSHAKE_MS + backoffs + SLACK_MS;
}

const options = {
  handshakeTimeoutMs: HANDSHAKE_MS,
  maxRetries: MAX_RETRIES,
  retryBackoffInitialMs: BACKOFF_INITIAL,
  retryBackoffMaxMs: BACKOFF_MAX,
};

t.test(
  'stalled handshake: calls fail with HandshakeTimeoutError within the bound; after recovery the same client succeeds',
  async (t) => {
    const rec = await startRecordingServer(t, { faults: { handshakeStallMs: Infinity } });
    const client = makeClient(t, rec.port, options);
    const retries: RetryInfo[] = [];
    client.on('retry', (info) => retries.push(info));

    // First call during the stall.
    let started = Date.now();
    const first = await failure(
      client.append(EventBuilder.withBody('during-stall-1')),
      'first call during the stall',
      roundBound(),
    );
    let elapsed = Date.now() - started;
    t.type(first, HandshakeTimeoutError, 'HandshakeTimeoutError, not a generic error');
    t.equal(
      (first as HandshakeTimeoutError).timeoutMs,
      HANDSHAKE_MS,
      'the error names the configured handshake timeout',
    );
    t.equal((first as HandshakeTimeoutError).address, `127.0.0.1:${rec.port}`);
    t.ok(
      elapsed >= (MAX_RETRIES + 1) * HANDSHAKE_MS - 15,
      `all ${MAX_RETRIES + 1} attempts waited out their timeout (${elapsed}ms)`,
    );
    t.ok(
      elapsed <= roundBound(),
      `bounded by (max-retries+1)*handshake-timeout + backoffs (${elapsed}ms <= ${roundBound()}ms)`,
    );
    t.equal(retries.length, MAX_RETRIES, 'one retry event per further attempt');
    t.same(
      retries.map((r) => r.attempt),
      [1, 2],
    );
    for (const r of retries) {
      t.type(r.cause, HandshakeTimeoutError, 'each retry names the handshake timeout that caused it');
      t.ok(r.delayMs >= 0 && r.delayMs <= BACKOFF_MAX, `retry delay ${r.delayMs}ms within [0, ${BACKOFF_MAX}]`);
    }
    t.equal(client.state, 'transient_failure');
    t.equal(client.isActive(), true, 'a failed round does not kill the client');
    t.equal(client.counters.handshakeFailures, MAX_RETRIES + 1);
    t.equal(client.counters.connectionsOpened, 0);

    // Still stalled: the next call tries again (after the backoff) and fails the same way, within the same bound.
    started = Date.now();
    const second = await failure(
      client.append(EventBuilder.withBody('during-stall-2')),
      'second call during the stall',
      roundBound(),
    );
    elapsed = Date.now() - started;
    t.type(second, HandshakeTimeoutError, 'the client keeps trying on each call: no DEAD state');
    t.ok(elapsed <= roundBound() + BACKOFF_MAX * 1.2, `second round bounded too (${elapsed}ms)`);
    t.equal(client.counters.handshakeFailures, 2 * (MAX_RETRIES + 1));

    // Nothing reached the server: the handshake is done with a ping before any event is written.
    t.same(rec.calls, [], 'no event was delivered while the handshake stalled');
    t.equal(client.counters.eventsSent, 0, 'no event was written');

    // Recovery: the same instance succeeds on its first call.
    rec.server.setFaults({ handshakeStallMs: 0 });
    await within(client.append(EventBuilder.withBody('after-recovery')), SLACK_MS, 'the first call after recovery');
    t.same(rec.bodies(), ['after-recovery'], 'the server got exactly the call made after recovery');
    t.equal(client.state, 'ready');
    t.equal(client.isActive(), true);
    t.equal(client.counters.connectionsOpened, 1);
    t.equal(client.counters.eventsAcknowledged, 1);
    t.equal(client.counters.eventsFailed, 2);
    t.equal(client.counters.eventsReceived, 3);

    // And keeps working.
    await client.appendBatch([EventBuilder.withBody('b1'), EventBuilder.withBody('b2')]);
    t.same(rec.bodies(), ['after-recovery', 'b1', 'b2']);
  },
);

t.test('a stall that ends during the retries: the pending call succeeds without surfacing an error', async (t) => {
  const rec = await startRecordingServer(t, { faults: { handshakeStallMs: Infinity } });
  const client = makeClient(t, rec.port, { ...options, maxRetries: 10 });
  const errors: Error[] = [];
  client.on('error', (e) => errors.push(e));
  const retried = nextEvent<[RetryInfo]>(client, 'retry', SLACK_MS);
  const call = client.append(EventBuilder.withBody('held-then-sent'));
  const [info] = await retried;
  t.type(info.cause, HandshakeTimeoutError, 'the first attempt timed out');
  rec.server.setFaults({ handshakeStallMs: 0 });
  await within(call, SLACK_MS + 10 * HANDSHAKE_MS, 'the call once the stall ended');
  t.same(rec.bodies(), ['held-then-sent']);
  t.same(errors, [], 'no error reported: connect and handshake failures are retried');
  t.ok(client.counters.handshakeFailures >= 1);
  t.equal(client.counters.connectionsOpened, 1);
});

t.test('a stall released while the handshake is held: the held answer completes that very attempt', async (t) => {
  const rec = await startRecordingServer(t, { faults: { handshakeStallMs: Infinity } });
  // A handshake timeout far longer than the test: only the release can complete the handshake.
  const client = makeClient(t, rec.port, { handshakeTimeoutMs: 30_000, maxRetries: 0 });
  const connected = nextEvent(client, 'connect');
  const call = client.append(EventBuilder.withBody('x'));
  await connected;
  rec.server.setFaults({ handshakeStallMs: 0 });
  await within(call, SLACK_MS, 'the call after the held handshake answer was released');
  t.equal(client.counters.handshakeFailures, 0);
  t.same(rec.bodies(), ['x']);
});

t.test(
  'a stalled handshake shows up in the events: connect, then retries, then transient_failure and error',
  async (t) => {
    const rec = await startRecordingServer(t, { faults: { handshakeStallMs: Infinity } });
    const client = makeClient(t, rec.port, { ...options, maxRetries: 1 });
    const log = recordEvents(client);
    await failure(client.append(EventBuilder.withBody('x')));
    t.same(log, [
      'state:connecting',
      'connect',
      'retry:1',
      'connect',
      'state:transient_failure',
      'error:HandshakeTimeoutError',
    ]);
    log.length = 0;
    rec.server.setFaults({ handshakeStallMs: 0 });
    await client.append(EventBuilder.withBody('y'));
    t.same(log, ['state:connecting', 'connect', 'handshake:BOTH', 'state:ready', 'ready']);
  },
);
