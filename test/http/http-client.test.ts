/**
 * HttpRpcClient against a stand-in for Flume's HTTP source (JSONHandler): delivery in batches
 * over keep-alive connections, 503 retried (Retry-After honoured) until it succeeds or retries
 * run out, 400 / 500 reported at once with the source's message, connect failures retried,
 * timeouts, bodies that are not text refused before anything is sent, and close() prompt.
 */
import t from 'tap';
import {
  CallTimeoutError,
  ClientClosedError,
  ConnectError,
  ConnectionClosedError,
  EventValidationError,
  HttpStatusError,
  RequestTimeoutError,
} from '@flume-rpc/rpc-client';
import { FLUME_MESSAGES, SLACK_MS, closedPort, failure, until, within } from '../fixtures/index.js';
import { httpClient, recordHttpEvents, startSource, textEvents } from './helpers.js';

t.test('delivers every event, in batch-size calls, headers and bodies as sent, on reused connections', async (t) => {
  const source = await startSource(t);
  const client = httpClient(t, `${source.url}flume?token=x`, { batchSize: 100, maxInflight: 2 });
  const log = recordHttpEvents(client);
  const events = [...textEvents(250), { headers: { 'quote"d': 'ünï\ncode' }, body: Buffer.from('{"json": [1]}') }];
  await client.appendBatch(events);
  await client.append({ headers: {}, body: Buffer.from('') });
  t.equal(source.requests, 4, '251 events in calls of 100, 100, 51, then one append');
  t.same(
    source.events.map((e) => [e.headers, e.body.toString('utf8')]),
    [...events, { headers: {}, body: Buffer.from('') }].map((e) => [e.headers, e.body.toString('utf8')]),
  );
  t.ok(source.connections <= 2, `keep-alive: ${source.connections} connection(s) for 4 requests`);
  const counters = client.counters;
  t.equal(counters.eventsReceived, 252);
  t.equal(counters.eventsAcknowledged, 252);
  t.equal(counters.eventsSent, 252);
  t.equal(counters.eventsFailed, 0);
  t.ok(counters.connectionsOpened >= 1);
  t.same(log.slice(0, 4), ['state:connecting', 'connect', 'ready', 'state:ready']);
  t.notOk(log.includes('handshake'), 'HTTP has no handshake');
});

t.test('connect() posts an empty batch: the source answers 200 and commits nothing', async (t) => {
  const source = await startSource(t);
  const client = httpClient(t, source.url);
  await client.connect();
  t.equal(source.requests, 1);
  t.equal(source.events.length, 0);
  t.equal(client.state, 'ready');
  t.equal(client.counters.eventsSent, 0);
});

t.test('a 503 (channel full) is retried with backoff until the source takes the batch', async (t) => {
  const source = await startSource(t, { plan: [{ status: 503 }, { status: 503 }] });
  const client = httpClient(t, source.url, { maxRetries: 3 });
  const log = recordHttpEvents(client);
  const retries: Array<{ attempt: number; attempts: number; cause: unknown }> = [];
  client.on('retry', (info) => retries.push(info));
  await client.appendBatch(textEvents(5));
  t.equal(source.requests, 3);
  t.equal(source.events.length, 5, 'committed once');
  t.same(
    retries.map((r) => [r.attempt, r.attempts]),
    [
      [1, 4],
      [2, 4],
    ],
  );
  t.ok(retries.every((r) => r.cause instanceof HttpStatusError && r.cause.status === 503));
  t.match((retries[0]!.cause as HttpStatusError).serverMessage, FLUME_MESSAGES.channelFull);
  t.notOk(
    log.some((entry) => entry.startsWith('error:')),
    'no error: the call succeeded',
  );
  t.equal(client.counters.eventsSent, 15, 'each post is counted as sent');
  t.equal(client.counters.eventsAcknowledged, 5);
});

t.test("a 503's Retry-After is honoured when longer than the backoff", async (t) => {
  const source = await startSource(t, { plan: [{ status: 503, retryAfter: '1' }] });
  const client = httpClient(t, source.url, { maxRetries: 1, callTimeoutMs: 10_000 });
  const delays: number[] = [];
  client.on('retry', (info) => delays.push(info.delayMs));
  await client.append({ headers: {}, body: Buffer.from('x') });
  t.same(delays, [1000], 'waited what the server asked, not the 10 ms backoff');
  t.equal(source.events.length, 1);
});

t.test('a Retry-After beyond the call budget ends the call with the 503, not a wait', async (t) => {
  const source = await startSource(t, { plan: [{ status: 503, retryAfter: '120' }] });
  const client = httpClient(t, source.url, { maxRetries: 1, callTimeoutMs: 2000 });
  const error = await failure(within(client.append({ headers: {}, body: Buffer.from('x') }), SLACK_MS, 'the call'));
  t.type(error, HttpStatusError);
  t.equal((error as HttpStatusError).retryAfterMs, 120_000);
  t.equal(source.requests, 1);
});

t.test('503 until retries run out: HttpStatusError, nothing committed, one error event', async (t) => {
  const plan = Array.from({ length: 3 }, () => ({ status: 503 as const }));
  const source = await startSource(t, { plan });
  const client = httpClient(t, source.url, { maxRetries: 2 });
  const errors: unknown[] = [];
  client.on('error', (error) => errors.push(error));
  const error = await failure(client.appendBatch(textEvents(3)));
  t.type(error, HttpStatusError);
  t.equal((error as HttpStatusError).status, 503);
  t.equal((error as HttpStatusError).retryable, true);
  t.equal(source.requests, 3, 'the first post and max-retries more');
  t.equal(source.events.length, 0);
  t.same(errors, [error]);
  t.equal(client.counters.eventsFailed, 3);
  t.equal(client.counters.hostFailures, 1);
});

t.test('a 400 is reported at once, naming the source message', async (t) => {
  const source = await startSource(t, { plan: [{ status: 400 }] });
  const client = httpClient(t, source.url, { maxRetries: 3 });
  const error = await failure(client.append({ headers: {}, body: Buffer.from('x') }));
  t.type(error, HttpStatusError);
  t.equal((error as HttpStatusError).status, 400);
  t.equal((error as HttpStatusError).retryable, false);
  t.equal((error as HttpStatusError).serverMessage, FLUME_MESSAGES.badRequest);
  t.match(error.message, /answered 400 for 1 event\(s\): Bad request from client/);
  t.equal(source.requests, 1, 'not retried');
  // The client is fine: the next call goes through.
  await client.append({ headers: {}, body: Buffer.from('y') });
  t.equal(source.events.length, 1);
});

t.test('a 500 is reported at once', async (t) => {
  const source = await startSource(t, { plan: [{ status: 500, message: 'interceptor failed' }] });
  const client = httpClient(t, source.url, { maxRetries: 3 });
  const error = await failure(client.append({ headers: {}, body: Buffer.from('x') }));
  t.type(error, HttpStatusError);
  t.equal((error as HttpStatusError).status, 500);
  t.match((error as HttpStatusError).serverMessage, /interceptor failed/);
  t.equal(source.requests, 1);
});

t.test('a refused connect is retried max-retries times, then ConnectError; the next call reconnects', async (t) => {
  const port = await closedPort();
  const client = httpClient(t, `http://127.0.0.1:${port}/`, { maxRetries: 2 });
  const log = recordHttpEvents(client);
  const error = await failure(client.append({ headers: {}, body: Buffer.from('x') }));
  t.type(error, ConnectError);
  t.same(
    log.filter((e) => e.startsWith('retry:')),
    ['retry:1', 'retry:2'],
  );
  t.equal(client.state, 'transient_failure');
  t.equal(client.counters.eventsSent, 0, 'nothing was written');
  t.ok(client.counters.connectFailures >= 3);
});

t.test(
  'no answer within request-timeout: RequestTimeoutError, not retried (the source may have committed)',
  async (t) => {
    const source = await startSource(t, { plan: [{ stall: true }] });
    const client = httpClient(t, source.url, { requestTimeoutMs: 300, maxRetries: 3 });
    const error = await failure(client.append({ headers: {}, body: Buffer.from('x') }));
    t.type(error, RequestTimeoutError);
    t.equal(source.requests, 1);
    await client.append({ headers: {}, body: Buffer.from('y') });
    t.equal(source.events.length, 1, 'the next call goes through');
  },
);

t.test('the call budget bounds a stalled post: CallTimeoutError awaiting the answer', async (t) => {
  const source = await startSource(t, { plan: [{ stall: true }] });
  const client = httpClient(t, source.url, { requestTimeoutMs: 5000, callTimeoutMs: 300 });
  const error = await failure(client.append({ headers: {}, body: Buffer.from('x') }));
  t.type(error, CallTimeoutError);
  t.equal((error as CallTimeoutError).phase, 'awaiting-answer');
});

t.test('the connection lost after the request was read: ConnectionClosedError, not retried', async (t) => {
  const source = await startSource(t, { plan: [{ resetAfterRead: true }] });
  const client = httpClient(t, source.url, { maxRetries: 3 });
  const error = await failure(client.append({ headers: {}, body: Buffer.from('x') }));
  t.type(error, ConnectionClosedError);
  t.match(error.message, /may have been delivered/);
  t.equal(source.requests, 1);
});

t.test('a body that is not text in the charset fails the call before anything is sent', async (t) => {
  const source = await startSource(t);
  const client = httpClient(t, source.url, { batchSize: 2 });
  const events = [...textEvents(3), { headers: {}, body: Buffer.from([0x66, 0xff, 0xfe]) }];
  const error = await failure(client.appendBatch(events));
  t.type(error, EventValidationError);
  t.match(error.message, /event 3/);
  t.match(error.message, /Avro/);
  t.equal(source.requests, 0, 'not even the first, valid, batch was posted');
  t.equal(client.counters.eventsFailed, 4);
});

t.test('charset UTF-16: the source stores exactly the bodies given', async (t) => {
  const source = await startSource(t);
  const client = httpClient(t, source.url, { charset: 'UTF-16' });
  // What Java's "h\u00e9llo".getBytes("UTF-16") gives: a byte-order mark, then big-endian.
  const body = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('h\u00e9llo', 'utf16le').swap16()]);
  await client.append({ headers: { k: 'v' }, body });
  t.same(source.events[0]?.body, body);
});

t.test('close() is prompt: posts not yet answered within close-timeout are cut, backoff is not waited', async (t) => {
  await t.test('a stalled post: waits close-timeout, then the call rejects written', async (t) => {
    const source = await startSource(t, { plan: [{ stall: true }] });
    const client = httpClient(t, source.url, { requestTimeoutMs: 60_000, closeTimeoutMs: 200 });
    const call = client.append({ headers: {}, body: Buffer.from('x') });
    await until(() => source.inFlight === 1, 'the post reached the source');
    const started = Date.now();
    await within(client.close(), SLACK_MS, 'close()');
    t.ok(Date.now() - started >= 150, 'waited for the written post (close-timeout)');
    const error = await failure(call);
    t.type(error, ClientClosedError);
    t.equal((error as ClientClosedError).written, true);
    t.equal(client.state, 'shutdown');
  });
  await t.test('a call waiting out a long Retry-After: close() ends it at once, not written', async (t) => {
    const source = await startSource(t, { plan: [{ status: 503, retryAfter: '60' }] });
    const client = httpClient(t, source.url, { maxRetries: 1, callTimeoutMs: 120_000 });
    const retried = new Promise((resolve) => client.once('retry', resolve));
    const call = client.append({ headers: {}, body: Buffer.from('x') });
    await within(retried, SLACK_MS, 'the retry');
    await within(client.close(), SLACK_MS, 'close()');
    const error = await failure(call, 'the call', SLACK_MS);
    t.type(error, ClientClosedError);
    t.equal((error as ClientClosedError).written, false);
  });
  await t.test('a call in the backoff between refused connects: close() ends it at once', async (t) => {
    const port = await closedPort();
    const client = httpClient(t, `http://127.0.0.1:${port}/`, {
      maxRetries: 5,
      retryBackoffInitialMs: 5000,
      retryBackoffMaxMs: 5000,
      callTimeoutMs: 60_000,
    });
    const call = client.append({ headers: {}, body: Buffer.from('x') });
    await within(new Promise((resolve) => client.once('retry', resolve)), SLACK_MS, 'the first refused connect');
    await within(client.close(), SLACK_MS, 'close()');
    t.type(await failure(call), ClientClosedError);
  });
  await t.test('after close, calls are refused at once', async (t) => {
    const source = await startSource(t);
    const client = httpClient(t, source.url);
    await client.close();
    t.type(await failure(client.append({ headers: {}, body: Buffer.from('x') })), ClientClosedError);
    t.equal(source.requests, 0);
    t.equal(client.isActive(), false);
  });
});
