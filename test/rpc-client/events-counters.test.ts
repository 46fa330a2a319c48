/**
 * What a client tells its owner: the events (state, connect, handshake, ready, retry, disconnect,
 * error) in the order things happen, and counters in which every event handed over ends up
 * acknowledged or failed (eventsReceived = eventsAcknowledged + eventsFailed once calls settle).
 */
import t from 'tap';
import {
  type ConnectivityState,
  ConnectionClosedError,
  EventBuilder,
  type FlumeRpcError,
  StatusError,
} from '@flume-rpc/rpc-client';
import {
  assertBalanced,
  failure,
  makeClient,
  nextEvent,
  numberedEvents,
  recordEvents,
  startRecordingServer,
} from '../fixtures/index.js';

t.test('a whole life in events: connect, ready, disconnect, failed reconnects, recovery, close', async (t) => {
  const rec = await startRecordingServer(t);
  const client = makeClient(t, rec.port, { maxRetries: 1 });
  const log = recordEvents(client);
  const transitions: Array<[ConnectivityState, ConnectivityState]> = [];
  client.on('state', (state, previous) => transitions.push([previous, state]));

  await client.append(EventBuilder.withBody('one'));
  t.same(
    log,
    ['state:connecting', 'connect', 'handshake:BOTH', 'state:ready', 'ready'],
    'first call: connect, handshake, ready',
  );

  log.length = 0;
  const disconnected = nextEvent(client, 'disconnect');
  await rec.server.close();
  await disconnected;
  t.same(log, ['disconnect', 'state:idle'], 'server gone: disconnect, then idle');

  log.length = 0;
  await failure(client.append(EventBuilder.withBody('two')));
  t.same(
    log,
    ['state:connecting', 'retry:1', 'state:transient_failure', 'error:ConnectError'],
    'refused: a retry, then transient_failure and the error',
  );

  log.length = 0;
  await rec.server.listen();
  await client.append(EventBuilder.withBody('three'));
  t.same(
    log,
    ['state:connecting', 'connect', 'handshake:BOTH', 'state:ready', 'ready'],
    'back: the same sequence as the first connect',
  );

  log.length = 0;
  rec.server.setFaults({ forceStatus: 'FAILED' });
  await failure(client.append(EventBuilder.withBody('four')));
  t.same(log, ['error:StatusError'], 'a FAILED status is an error only: no disconnect, no state change');

  log.length = 0;
  await client.close();
  t.same(log, ['state:shutdown', 'disconnect'], 'close: shutdown, then the connection goes');

  t.same(
    transitions,
    [
      ['idle', 'connecting'],
      ['connecting', 'ready'],
      ['ready', 'idle'],
      ['idle', 'connecting'],
      ['connecting', 'transient_failure'],
      ['transient_failure', 'connecting'],
      ['connecting', 'ready'],
      ['ready', 'shutdown'],
    ],
    'every transition, each with its previous state',
  );
});

t.test('the error event carries the same error that rejects the call', async (t) => {
  const rec = await startRecordingServer(t, { faults: { forceStatus: 'UNKNOWN' } });
  const client = makeClient(t, rec.port);
  const emitted = nextEvent<[FlumeRpcError]>(client, 'error');
  const rejected = await failure(client.append(EventBuilder.withBody('x')));
  const [error] = await emitted;
  t.equal(error, rejected, 'the very same object');
  t.type(error, StatusError);
});

t.test('a failed call whose promise the caller drops is reported, with no unhandled rejection', async (t) => {
  const rec = await startRecordingServer(t, { faults: { forceStatus: 'FAILED' } });
  const client = makeClient(t, rec.port);
  const emitted = nextEvent<[FlumeRpcError]>(client, 'error');
  // Fire and forget, as logging code does: tap fails this test on an unhandled rejection.
  void client.appendBatch([EventBuilder.withBody('x'), EventBuilder.withBody('y')]);
  const [error] = await emitted;
  t.type(error, StatusError, 'the failure reaches the error event');
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(client.counters.eventsFailed, 2, 'and the counters');
});

t.test(
  'counters: sent, acknowledged and failed across successes, status failures, lost connections and bad input',
  async (t) => {
    const rec = await startRecordingServer(t, { respond: (call) => (call.bodies[0] === 'refuse' ? 'FAILED' : 'OK') });
    const client = makeClient(t, rec.port, { batchSize: 10 });
    t.same(
      { ...client.counters },
      {
        eventsReceived: 0,
        eventsSent: 0,
        eventsAcknowledged: 0,
        eventsFailed: 0,
        eventsRetried: 0,
        hostFailures: 0,
        connectionsOpened: 0,
        reconnects: 0,
        connectionResets: 0,
        connectFailures: 0,
        handshakeFailures: 0,
      },
      'all zero before the first call',
    );

    await client.append(EventBuilder.withBody('a')); // +1 ok
    await client.appendBatch(numberedEvents(25)); // +25 ok (3 calls)
    await failure(client.append(EventBuilder.withBody('refuse'))); // +1 failed, sent
    await failure(client.append({ headers: {}, body: 5 } as never)); // +1 failed, not sent
    rec.server.setFaults({ closeOnNextCalls: 1 });
    t.type(await failure(client.appendBatch(numberedEvents(4, 'cut'))), ConnectionClosedError); // +4 failed, sent
    await client.append(EventBuilder.withBody('b')); // +1 ok, after a reconnect

    const c = client.counters;
    t.equal(c.eventsReceived, 1 + 25 + 1 + 1 + 4 + 1);
    t.equal(c.eventsAcknowledged, 1 + 25 + 1);
    t.equal(c.eventsFailed, 1 + 1 + 4);
    t.equal(c.eventsSent, 1 + 25 + 1 + 4 + 1, 'events written: everything but the invalid one');
    t.equal(c.connectionsOpened, 2);
    t.equal(c.reconnects, 1);
    t.equal(c.connectFailures, 0);
    t.equal(c.handshakeFailures, 0);
    t.equal(rec.server.stats.eventsAcknowledged, c.eventsAcknowledged, 'the server agrees on what was acknowledged');
    assertBalanced(t, client);
  },
);

t.test('counters balance under many concurrent calls of mixed outcomes', async (t) => {
  let n = 0;
  const rec = await startRecordingServer(t, {
    respond: () => {
      n += 1;
      if (n % 5 === 0) return 'FAILED';
      if (n % 7 === 0) return new Promise((resolve) => setTimeout(() => resolve('OK'), 300)); // times out
      return 'OK';
    },
  });
  const client = makeClient(t, rec.port, { requestTimeoutMs: 100, maxInflight: 4, batchSize: 3 });
  const calls: Array<Promise<void>> = [];
  for (let i = 0; i < 40; i += 1) {
    calls.push(
      i % 2 === 0 ? client.append(EventBuilder.withBody(`s${i}`)) : client.appendBatch(numberedEvents(7, `b${i}-`)),
    );
  }
  const results = await Promise.allSettled(calls);
  t.ok(
    results.some((r) => r.status === 'rejected'),
    'some calls failed',
  );
  t.ok(
    results.some((r) => r.status === 'fulfilled'),
    'some calls succeeded',
  );
  t.equal(client.counters.eventsReceived, 20 * 1 + 20 * 7);
  assertBalanced(t, client);
  t.ok(
    client.counters.eventsAcknowledged <= rec.server.stats.eventsAcknowledged,
    'never more acknowledged than the server committed',
  );
});
