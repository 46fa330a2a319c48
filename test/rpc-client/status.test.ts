/**
 * A server that answers FAILED or UNKNOWN (its channel is full, say) or fails the call with an
 * Avro error: the call is reported with a typed error naming what happened, the connection stays
 * up, and the next call on the same connection succeeds.
 */
import t from 'tap';
import { EventBuilder, RemoteError, StatusError } from '@flume-rpc/rpc-client';
import { assertBalanced, failure, makeClient, recordEvents, startRecordingServer } from '../fixtures/index.js';

for (const status of ['FAILED', 'UNKNOWN'] as const) {
  t.test(`status ${status}: StatusError naming it, connection kept, next call succeeds`, async (t) => {
    const rec = await startRecordingServer(t);
    const client = makeClient(t, rec.port);
    await client.append(EventBuilder.withBody('ok-before'));
    const log = recordEvents(client);

    rec.server.setFaults({ forceStatus: status });
    const single = await failure(client.append(EventBuilder.withBody('refused')));
    t.type(single, StatusError);
    const err = single as StatusError;
    t.equal(err.status, status, 'the error carries the status');
    t.equal(err.events, 1);
    t.equal(err.address, `127.0.0.1:${rec.port}`);
    t.match(err.message, status, 'and names it in the message');
    t.equal(err.code, 'FLUME_RPC_STATUS');

    const batch = await failure(
      client.appendBatch([EventBuilder.withBody('r1'), EventBuilder.withBody('r2'), EventBuilder.withBody('r3')]),
    );
    t.type(batch, StatusError);
    t.equal((batch as StatusError).status, status);
    t.equal((batch as StatusError).events, 3);

    t.same(log, ['error:StatusError', 'error:StatusError'], 'reported, with no disconnect and no state change');
    t.equal(client.state, 'ready', 'the connection stays up');

    rec.server.setFaults({ forceStatus: null });
    await client.append(EventBuilder.withBody('ok-after'));
    t.equal(client.counters.connectionsOpened, 1, 'the same connection served every call');
    t.equal(rec.server.stats.connectionsAccepted, 1);
    t.same(rec.bodies(), ['ok-before', 'ok-after'], 'the refused calls never reached the handlers');
    t.equal(client.counters.eventsFailed, 4);
    t.equal(client.counters.eventsAcknowledged, 2);
    assertBalanced(t, client);
  });
}

t.test('a handler answering FAILED for one call only: that call fails, the others succeed', async (t) => {
  const rec = await startRecordingServer(t, { respond: (call) => (call.bodies[0] === 'bad' ? 'FAILED' : 'OK') });
  const client = makeClient(t, rec.port);
  const results = await Promise.allSettled(['a', 'bad', 'b'].map((body) => client.append(EventBuilder.withBody(body))));
  t.same(
    results.map((r) =>
      r.status === 'fulfilled' ? 'ok' : `${(r.reason as StatusError).name}:${(r.reason as StatusError).status}`,
    ),
    ['ok', 'StatusError:FAILED', 'ok'],
  );
  t.equal(client.counters.connectionsOpened, 1);
});

t.test("a handler that throws: RemoteError with the server's message, connection kept", async (t) => {
  const rec = await startRecordingServer(t, {
    respond: (call) => {
      if (call.bodies[0] === 'boom') throw new Error('channel is closed');
      return 'OK';
    },
  });
  const client = makeClient(t, rec.port);
  const error = await failure(client.append(EventBuilder.withBody('boom')));
  t.type(error, RemoteError);
  t.match((error as RemoteError).remoteMessage, 'channel is closed');
  t.equal((error as RemoteError).messageName, 'append');
  await client.append(EventBuilder.withBody('fine'));
  t.equal(client.counters.connectionsOpened, 1);
  t.equal(client.state, 'ready');
  assertBalanced(t, client);
});
