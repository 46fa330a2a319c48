/**
 * Events from untyped callers are checked before anything is sent: a header value that is not a
 * string, a body that is neither bytes nor a string, a non-object event or a non-array list
 * fails the call with EventValidationError, and the server sees nothing, not even a connection.
 * One bad event in a batch fails the whole call: no chunk of it goes out.
 */
import t from 'tap';
import { type Event, EventBuilder, EventValidationError } from '@flume-rpc/rpc-client';
import { assertBalanced, failure, makeClient, numberedEvents, startRecordingServer } from '../fixtures/index.js';

const bad = (value: unknown): Event => value as Event;

const BAD_EVENTS: Array<[string, Event, RegExp]> = [
  ['a number header value', bad({ headers: { host: 42 }, body: 'x' }), /header "host" must be a string, got number/],
  ['a null header value', bad({ headers: { host: null }, body: 'x' }), /header "host" must be a string, got null/],
  [
    'an object header value',
    bad({ headers: { nested: { a: 'b' } }, body: 'x' }),
    /header "nested" must be a string, got object/,
  ],
  ['headers as an array', bad({ headers: ['a'], body: 'x' }), /headers must be an object of strings, got array/],
  ['headers as a string', bad({ headers: 'a=b', body: 'x' }), /headers must be an object of strings, got string/],
  // A Map has no own entries: sent as it is, its headers would silently vanish.
  [
    'headers as a Map',
    bad({ headers: new Map([['host', 'web-1']]), body: 'x' }),
    /headers must be an object of strings, got Map/,
  ],
  ['a number body', bad({ headers: {}, body: 12 }), /body must be bytes \(Uint8Array\) or a string, got number/],
  ['an object body', bad({ headers: {}, body: { text: 'x' } }), /body must be bytes .* got object/],
  ['a missing body', bad({ headers: {} }), /body must be bytes .* got undefined/],
  ['an array body', bad({ headers: {}, body: [1, 2] }), /got array/],
  ['null instead of an event', bad(null), /event 0 is not an object/],
  ['a string instead of an event', bad('hello'), /event 0 is not an object/],
];

t.test('append: each kind of bad event is refused with EventValidationError; nothing reaches the server', async (t) => {
  const rec = await startRecordingServer(t);
  const client = makeClient(t, rec.port);
  for (const [what, event, message] of BAD_EVENTS) {
    const error = await failure(client.append(event), what);
    t.type(error, EventValidationError, what);
    t.match(error.message, message, `${what}: the message says what is wrong`);
  }
  t.equal(rec.server.stats.connectionsAccepted, 0, 'no connection was even opened');
  t.equal(client.state, 'idle');
  t.equal(client.counters.eventsSent, 0);
  t.equal(client.counters.eventsFailed, BAD_EVENTS.length);
  assertBalanced(t, client);
  // The client is unaffected.
  await client.append(EventBuilder.withBody('good'));
  t.same(rec.bodies(), ['good']);
});

t.test('appendBatch: one bad event anywhere fails the call before any chunk is sent', async (t) => {
  const rec = await startRecordingServer(t);
  const client = makeClient(t, rec.port, { batchSize: 10 });
  await client.connect();
  const events: Event[] = numberedEvents(35);
  events[27] = bad({ headers: { n: 27 }, body: 'e27' });
  const error = await failure(client.appendBatch(events));
  t.type(error, EventValidationError);
  t.match(error.message, /event 27: header "n" must be a string/, "the message names the event's index");
  t.same(rec.calls, [], 'not even the first chunks (events 0..19, all valid) were sent');
  t.equal(client.counters.eventsFailed, 35, 'the whole list counts as failed');
  t.equal(client.counters.eventsSent, 0);
  assertBalanced(t, client);
});

t.test('appendBatch with something other than an array', async (t) => {
  const rec = await startRecordingServer(t);
  const client = makeClient(t, rec.port);
  for (const value of [null, undefined, 'events', { 0: EventBuilder.withBody('x'), length: 1 }]) {
    const error = await failure(
      client.appendBatch(value as unknown as Event[]),
      `appendBatch(${JSON.stringify(value)})`,
    );
    t.type(error, EventValidationError);
    t.match(error.message, /events must be an array/);
  }
  t.equal(rec.server.stats.connectionsAccepted, 0);
  assertBalanced(t, client);
});

t.test('EventBuilder.withBody checks its headers at once', async (t) => {
  t.throws(() => EventBuilder.withBody('x', { n: 1 as unknown as string }), EventValidationError);
  const event = EventBuilder.withBody('text', { a: 'b' });
  t.same(event.headers, { a: 'b' });
  t.equal(Buffer.from(event.body).toString(), 'text');
  const bytes = new Uint8Array([1, 2, 3]);
  t.same([...EventBuilder.withBody(bytes).body], [1, 2, 3]);
});

t.test('valid unusual events go through: empty body, empty headers, unicode, binary, a subarray view', async (t) => {
  const rec = await startRecordingServer(t);
  const client = makeClient(t, rec.port);
  const backing = Buffer.from('xxSLICEyy');
  await client.appendBatch([
    { headers: {}, body: new Uint8Array(0) },
    bad({ body: 'no headers at all' }),
    EventBuilder.withBody('héllo ✓', { ключ: 'значение' }),
    { headers: {}, body: new Uint8Array(backing.buffer, backing.byteOffset + 2, 5) },
    {
      headers: Object.assign(Object.create(null) as Record<string, string>, { bare: 'yes' }),
      body: Buffer.from('null-prototype headers'),
    },
  ]);
  t.same(rec.bodies(), ['', 'no headers at all', 'héllo ✓', 'SLICE', 'null-prototype headers']);
  t.same(rec.calls[0]!.headers[4], { bare: 'yes' });
  t.same(rec.calls[0]!.headers[2], { ключ: 'значение' });
});
