/**
 * Bounded waiting: max-inflight calls on the connection, max-pending more waiting for a slot,
 * anything beyond refused at once with ClientBusyError (nothing sent), so a stalled server never
 * makes the client queue without bound. And a caller's AbortSignal ends its own call's wait
 * wherever it is (before sending, waiting for a slot, waiting for a connection, in flight).
 */
import t from 'tap';
import { AbortError, ClientBusyError, EventBuilder, PartialBatchError } from '@flume-rpc/rpc-client';
import {
  SLACK_MS,
  assertBalanced,
  failure,
  makeClient,
  nextEvent,
  outcome,
  startRecordingServer,
  until,
  within,
} from '../fixtures/index.js';

t.test(
  'max-pending: with a stalled server, calls past max-inflight + max-pending get ClientBusyError at once',
  async (t) => {
    const rec = await startRecordingServer(t, { faults: { handshakeStallMs: Infinity } });
    const client = makeClient(t, rec.port, {
      maxInflight: 1,
      maxPending: 2,
      handshakeTimeoutMs: 30_000,
      maxRetries: 0,
    });
    const connecting = nextEvent(client, 'connect');
    const admitted = ['c1', 'c2', 'c3'].map((body) => outcome(client.append(EventBuilder.withBody(body))));
    await connecting;

    const started = Date.now();
    const busy = await failure(client.append(EventBuilder.withBody('c4')), 'the fourth call', 500);
    t.type(busy, ClientBusyError);
    t.match(busy.message, /max-pending/);
    t.ok(Date.now() - started < 500, 'refused at once, not after a timeout');
    t.type(await failure(client.appendBatch([EventBuilder.withBody('c5')])), ClientBusyError, 'appendBatch too');

    rec.server.setFaults({ handshakeStallMs: 0 });
    const results = await within(Promise.all(admitted), SLACK_MS, 'the admitted calls');
    t.ok(
      results.every((r) => r.ok),
      'the admitted calls go through once the server answers',
    );
    t.same(rec.bodies(), ['c1', 'c2', 'c3'], 'in arrival order; the refused ones were never sent');
    t.equal(client.counters.eventsFailed, 2);
    assertBalanced(t, client);
    // With room again, calls are admitted again.
    await client.append(EventBuilder.withBody('c6'));
  },
);

t.test('max-pending 0: only max-inflight calls at a time, the rest refused', async (t) => {
  const rec = await startRecordingServer(t, { faults: { responseDelayMs: 100 } });
  const client = makeClient(t, rec.port, { maxInflight: 2, maxPending: 0 });
  await client.connect();
  const results = await Promise.allSettled([1, 2, 3, 4].map((i) => client.append(EventBuilder.withBody(`m${i}`))));
  t.same(
    results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as Error).name)),
    ['ok', 'ok', 'ClientBusyError', 'ClientBusyError'],
  );
});

t.test('max-inflight bounds the calls written at once', async (t) => {
  let inHandler = 0;
  let peak = 0;
  const rec = await startRecordingServer(t, {
    respond: async () => {
      inHandler += 1;
      peak = Math.max(peak, inHandler);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inHandler -= 1;
      return 'OK' as const;
    },
  });
  const client = makeClient(t, rec.port, { maxInflight: 3, maxPending: 100 });
  await Promise.all(Array.from({ length: 12 }, (_, i) => client.append(EventBuilder.withBody(`f${i}`))));
  t.equal(peak, 3, 'never more than max-inflight calls at the server at once, and the limit is used');
  t.equal(rec.calls.length, 12);
});

t.test('an already aborted signal: AbortError, nothing sent, no connection', async (t) => {
  const rec = await startRecordingServer(t);
  const client = makeClient(t, rec.port);
  const controller = new AbortController();
  controller.abort('caller gave up');
  const error = await failure(client.append(EventBuilder.withBody('x'), { signal: controller.signal }));
  t.type(error, AbortError);
  t.equal((error as AbortError).cause, 'caller gave up', 'the abort reason is kept as the cause');
  t.equal(rec.server.stats.connectionsAccepted, 0);
  assertBalanced(t, client);
});

t.test(
  'abort during an in-flight call: AbortError at once; the connection stays and the late answer is ignored',
  async (t) => {
    const rec = await startRecordingServer(t, { faults: { responseDelayMs: Infinity } });
    const client = makeClient(t, rec.port, { requestTimeoutMs: 10_000 });
    await client.connect();
    const controller = new AbortController();
    const call = failure(client.append(EventBuilder.withBody('in-flight'), { signal: controller.signal }));
    await until(() => rec.calls.length === 1, 'the call to reach the server');
    const abortedAt = Date.now();
    controller.abort();
    const error = await call;
    t.type(error, AbortError);
    t.ok(Date.now() - abortedAt < 500, 'settled at once, not at the request timeout');
    rec.server.setFaults({ responseDelayMs: 0 }); // the held answer goes out now, to a call nobody waits for
    await client.append(EventBuilder.withBody('next'));
    t.equal(client.counters.connectionsOpened, 1, 'the late answer did not break the connection');
    t.same(rec.bodies(), ['in-flight', 'next'], 'an aborted call may still have been delivered (at-least-once)');
    assertBalanced(t, client);
  },
);

t.test('abort while waiting for a slot: that call leaves the queue, the others keep their order', async (t) => {
  const rec = await startRecordingServer(t, { faults: { responseDelayMs: 100 } });
  const client = makeClient(t, rec.port, { maxInflight: 1 });
  await client.connect();
  const controller = new AbortController();
  const first = outcome(client.append(EventBuilder.withBody('first')));
  const aborted = outcome(client.append(EventBuilder.withBody('aborted'), { signal: controller.signal }));
  const third = outcome(client.append(EventBuilder.withBody('third')));
  controller.abort();
  const result = await aborted;
  t.ok(!result.ok && result.error instanceof AbortError);
  t.ok((await first).ok && (await third).ok);
  t.same(rec.bodies(), ['first', 'third'], 'the aborted call was never sent');
  assertBalanced(t, client);
});

t.test('abort while waiting for the connection: AbortError, the attempt goes on for the others', async (t) => {
  const rec = await startRecordingServer(t, { faults: { handshakeStallMs: Infinity } });
  const client = makeClient(t, rec.port, { handshakeTimeoutMs: 30_000, maxRetries: 0 });
  const controller = new AbortController();
  const connecting = nextEvent(client, 'connect');
  const aborted = outcome(client.append(EventBuilder.withBody('gave-up'), { signal: controller.signal }));
  const patient = outcome(client.append(EventBuilder.withBody('patient')));
  await connecting;
  controller.abort();
  const result = await within(aborted, 500, 'the aborted call');
  t.ok(!result.ok && result.error instanceof AbortError);
  rec.server.setFaults({ handshakeStallMs: 0 });
  t.ok((await within(patient, SLACK_MS, 'the patient call')).ok);
  t.same(rec.bodies(), ['patient']);
  t.equal(client.counters.connectionsOpened, 1);
});

t.test('abort of a split appendBatch: PartialBatchError caused by the abort, no further chunk', async (t) => {
  const rec = await startRecordingServer(t, { faults: { responseDelayMs: 30 } });
  const client = makeClient(t, rec.port, { batchSize: 2 });
  await client.connect();
  const controller = new AbortController();
  const call = failure(
    client.appendBatch(
      Array.from({ length: 10 }, (_, i) => EventBuilder.withBody(`b${i}`)),
      { signal: controller.signal },
    ),
  );
  await until(() => rec.calls.length >= 2, 'two chunks to reach the server');
  controller.abort();
  const reachedAtAbort = rec.calls.length;
  const error = await call;
  // The first chunk was answered before the second reached the server, so part was delivered.
  t.type(error, PartialBatchError);
  const partial = error as PartialBatchError;
  t.type(partial.cause, AbortError, 'caused by the abort');
  t.ok(
    partial.acknowledged >= 2 && partial.acknowledged % 2 === 0,
    `whole chunks acknowledged (${partial.acknowledged})`,
  );
  t.equal(partial.acknowledged + partial.failed, 10);
  // A negative fact needs a wait: long enough for several more 30ms chunks, had the loop gone on.
  await new Promise((resolve) => setTimeout(resolve, 150));
  t.ok(
    rec.calls.length <= reachedAtAbort + 1,
    `no chunk was started after the abort (${reachedAtAbort} then ${rec.calls.length} of 5)`,
  );
  assertBalanced(t, client);
});
