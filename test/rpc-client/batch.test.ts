/**
 * appendBatch splits a list longer than batch-size into calls of at most batch-size events, sent
 * one after the other in list order (as Flume's Java client does). When a later chunk fails the
 * caller learns exactly how far delivery got (PartialBatchError) and nothing after it is sent.
 */
import t from 'tap';
import { EventBuilder, PartialBatchError, RequestTimeoutError, StatusError } from '@flume-rpc/rpc-client';
import { assertBalanced, failure, makeClient, numberedEvents, startRecordingServer } from '../fixtures/index.js';

t.test('250 events with batch-size 100: three appendBatch calls of 100, 100, 50, in order', async (t) => {
  const rec = await startRecordingServer(t);
  const client = makeClient(t, rec.port, { batchSize: 100 });
  t.equal(client.getBatchSize(), 100);
  const events = numberedEvents(250);
  await client.appendBatch(events);
  t.same(
    rec.calls.map((c) => c.message),
    ['appendBatch', 'appendBatch', 'appendBatch'],
  );
  t.same(
    rec.calls.map((c) => c.bodies.length),
    [100, 100, 50],
    'chunk sizes',
  );
  t.same(
    rec.bodies(),
    events.map((_, i) => `e${i}`),
    'every event once, in list order',
  );
  t.same(rec.calls[1]!.headers[0], { i: '100' }, 'headers travel with their event');
  t.equal(client.counters.eventsAcknowledged, 250);
  t.equal(rec.server.stats.eventsAcknowledged, 250);
  assertBalanced(t, client);
});

t.test('chunks are sent one at a time: the next is written only after the previous was answered', async (t) => {
  let inHandler = 0;
  let overlapped = false;
  const rec = await startRecordingServer(t, {
    respond: async () => {
      inHandler += 1;
      if (inHandler > 1) overlapped = true;
      await new Promise((resolve) => setTimeout(resolve, 10));
      inHandler -= 1;
      return 'OK' as const;
    },
  });
  const client = makeClient(t, rec.port, { batchSize: 10, maxInflight: 8 });
  await client.appendBatch(numberedEvents(45));
  t.same(
    rec.calls.map((c) => c.bodies.length),
    [10, 10, 10, 10, 5],
  );
  t.equal(overlapped, false, 'no two chunks of one list were in flight together');
});

t.test('list sizes at the edges: exact multiples, one event, at most batch-size, empty list', async (t) => {
  const rec = await startRecordingServer(t);
  const client = makeClient(t, rec.port, { batchSize: 100 });
  await client.appendBatch(numberedEvents(200, 'm'));
  t.same(
    rec.calls.map((c) => c.bodies.length),
    [100, 100],
    '200 -> 100 + 100, no empty third call',
  );
  rec.calls.length = 0;
  await client.appendBatch(numberedEvents(100, 'x'));
  t.same(
    rec.calls.map((c) => c.bodies.length),
    [100],
    'exactly batch-size -> one call',
  );
  rec.calls.length = 0;
  await client.appendBatch(numberedEvents(1, 'o'));
  t.same(
    rec.calls.map((c) => c.bodies.length),
    [1],
  );
  rec.calls.length = 0;
  await client.appendBatch([]);
  t.same(rec.calls, [], 'an empty list sends nothing and succeeds');
  assertBalanced(t, client);
});

t.test('batch-size 1: one call per event, in order', async (t) => {
  const rec = await startRecordingServer(t);
  const client = makeClient(t, rec.port, { batchSize: 1 });
  await client.appendBatch(numberedEvents(5));
  t.same(
    rec.calls.map((c) => c.bodies),
    [['e0'], ['e1'], ['e2'], ['e3'], ['e4']],
  );
});

t.test('a later chunk fails: PartialBatchError with how many were acknowledged; the rest is not sent', async (t) => {
  // The second call (events 100..199) is answered FAILED.
  const rec = await startRecordingServer(t, { respond: (_call, index) => (index === 1 ? 'FAILED' : 'OK') });
  const client = makeClient(t, rec.port, { batchSize: 100 });
  const error = await failure(client.appendBatch(numberedEvents(250)));
  t.type(error, PartialBatchError);
  const partial = error as PartialBatchError;
  t.equal(partial.acknowledged, 100, 'the first chunk was delivered');
  t.equal(partial.failed, 150, 'the failed chunk and the one never sent');
  t.type(partial.cause, StatusError, "the cause is the failed chunk's error");
  t.equal((partial.cause as StatusError).status, 'FAILED');
  t.equal(rec.calls.length, 2, 'the third chunk was not sent after the second failed');
  t.equal(client.counters.eventsAcknowledged, 100);
  t.equal(client.counters.eventsFailed, 150);
  assertBalanced(t, client);

  // The caller can resend from where delivery stopped.
  rec.respond(() => 'OK');
  rec.calls.length = 0;
  await client.appendBatch(numberedEvents(250).slice(partial.acknowledged));
  t.same(
    rec.calls.map((c) => c.bodies.length),
    [100, 50],
  );
  t.equal(rec.calls[0]!.bodies[0], 'e100');
});

t.test('the first chunk fails: the plain error, not a PartialBatchError (nothing was delivered)', async (t) => {
  const rec = await startRecordingServer(t, { faults: { forceStatus: 'UNKNOWN' } });
  const client = makeClient(t, rec.port, { batchSize: 100 });
  const error = await failure(client.appendBatch(numberedEvents(250)));
  t.type(error, StatusError);
  t.notOk(error instanceof PartialBatchError);
  t.equal(client.counters.eventsFailed, 250);
  assertBalanced(t, client);
});

t.test('a later chunk times out: PartialBatchError caused by RequestTimeoutError', async (t) => {
  const rec = await startRecordingServer(t, {
    respond: (_call, index) => (index === 2 ? new Promise((resolve) => setTimeout(() => resolve('OK'), 500)) : 'OK'),
  });
  const client = makeClient(t, rec.port, { batchSize: 10, requestTimeoutMs: 100 });
  const error = await failure(client.appendBatch(numberedEvents(35)));
  t.type(error, PartialBatchError);
  t.equal((error as PartialBatchError).acknowledged, 20);
  t.equal((error as PartialBatchError).failed, 15);
  t.type((error as PartialBatchError).cause, RequestTimeoutError);
  assertBalanced(t, client);
});

t.test('concurrent appendBatch calls each keep their own order', async (t) => {
  const rec = await startRecordingServer(t);
  const client = makeClient(t, rec.port, { batchSize: 5, maxInflight: 4 });
  await Promise.all([client.appendBatch(numberedEvents(23, 'a')), client.appendBatch(numberedEvents(17, 'b'))]);
  const a = rec.bodies().filter((b) => b.startsWith('a'));
  const b = rec.bodies().filter((x) => x.startsWith('b'));
  t.same(
    a,
    numberedEvents(23, 'a').map((_, i) => `a${i}`),
  );
  t.same(
    b,
    numberedEvents(17, 'b').map((_, i) => `b${i}`),
  );
  assertBalanced(t, client);
});

t.test('EventBuilder events and plain objects with string bodies are both accepted', async (t) => {
  const rec = await startRecordingServer(t);
  const client = makeClient(t, rec.port);
  await client.appendBatch([
    EventBuilder.withBody('built', { k: 'v' }),
    { headers: {}, body: 'plain string' } as never,
    { headers: { h: '1' }, body: new Uint8Array([104, 105]) },
  ]);
  t.same(rec.bodies(), ['built', 'plain string', 'hi']);
  t.same(rec.calls[0]!.headers, [{ k: 'v' }, {}, { h: '1' }]);
});

t.test('the events a call took are sent as they were, whatever the caller does with its array after', async (t) => {
  const rec = await startRecordingServer(t);
  const client = makeClient(t, rec.port);
  for (const mixed of [false, true]) {
    const events = numberedEvents(3, mixed ? 'm' : 'p');
    // A string body sends the whole batch down the converting path; all Buffers keep the fast one.
    if (mixed) events.push({ headers: {}, body: 'm3' } as never);
    // The client connects lazily, so the call is written after the array changes.
    const call = client.appendBatch(events);
    events.length = 0;
    events.push({ headers: {}, body: Buffer.from('not sent') });
    await call;
  }
  t.same(rec.bodies(), ['p0', 'p1', 'p2', 'm0', 'm1', 'm2', 'm3']);
  assertBalanced(t, client);
});
