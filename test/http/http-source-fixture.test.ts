/**
 * The HTTP source fixture behaves as Flume's HTTPSource with JSONHandler (read off the Java):
 * status codes and their messages inside Jetty's HTML error page, the request charset rules,
 * bodies stored as Java's getBytes(charset), the memory channel's capacity, GET like POST, any
 * path, keep-alive, and the test controls (plan, stall, delay, reset). Requests go through
 * node:http so the fixture is checked apart from the client under development.
 */
import http from 'node:http';
import t, { type Test } from 'tap';
import { serverMessage } from '@flume-rpc/rpc-client/internal';
import {
  FLUME_MESSAGES,
  JETTY_VERSION,
  SLACK_MS,
  pause,
  startHttpSource,
  until,
  within,
  type HttpSource,
  type HttpSourceOptions,
} from '../fixtures/index.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Flume's message, as the client will extract it. */
  message: string;
}

interface Send {
  body?: Buffer | string;
  contentType?: string | null;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  agent?: http.Agent;
}

function send(source: HttpSource, options: Send = {}): Promise<Answer> {
  const body = typeof options.body === 'string' ? Buffer.from(options.body) : (options.body ?? Buffer.alloc(0));
  const headers: Record<string, string | number> = { ...options.headers, 'Content-Length': body.length };
  const type = options.contentType === undefined ? 'application/json; charset=UTF-8' : options.contentType;
  if (type !== null) headers['Content-Type'] = type;
  const answer = new Promise<Answer>((resolve, reject) => {
    const req = http.request(
      new URL(options.path ?? '/', source.url),
      { method: options.method ?? 'POST', headers, agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('error', reject);
        res.once('end', () => {
          const bytes = Buffer.concat(chunks);
          const charset = /charset=iso-8859-1/i.test(res.headers['content-type'] ?? '') ? 'latin1' : 'utf8';
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: bytes,
            message: serverMessage(res.statusCode ?? 0, res.headers['content-type'], bytes.toString(charset)),
          });
        });
      },
    );
    req.once('error', reject);
    req.end(body);
  });
  return within(answer, SLACK_MS, 'the source to answer');
}

async function source(t: Test, options?: HttpSourceOptions): Promise<HttpSource> {
  const started = await startHttpSource(options);
  t.teardown(() => started.close());
  return started;
}

const batch = (...bodies: string[]): string =>
  JSON.stringify(bodies.map((body, index) => ({ headers: { n: String(index) }, body })));

/** Java's getBytes("UTF-16"): FE FF then big-endian. */
const utf16 = (text: string): Buffer =>
  Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);

t.test('a good batch is committed and answered 200 with an empty body', async (t) => {
  const flume = await source(t);
  const answer = await send(flume, { body: batch('one', 'two') });
  t.equal(answer.status, 200);
  t.equal(answer.body.length, 0);
  t.equal(answer.headers.server, `Jetty(${JETTY_VERSION})`);
  t.equal(
    answer.headers['transfer-encoding'],
    'chunked',
    'flushBuffer committed the headers before any length was known',
  );
  t.same(flume.events, [
    { headers: { n: '0' }, body: Buffer.from('one') },
    { headers: { n: '1' }, body: Buffer.from('two') },
  ]);
  t.equal(flume.requests, 1);
  t.equal(flume.inFlight, 0);
  t.equal(flume.queued, 2);
});

t.test('GET is handled like POST, on any path; other methods are refused as HttpServlet does', async (t) => {
  const flume = await source(t);
  t.equal((await send(flume, { method: 'GET', body: batch('by get') })).status, 200);
  t.equal((await send(flume, { path: '/any/path?x=1', body: batch('any path') })).status, 200);
  t.same(
    flume.events.map((e) => e.body.toString()),
    ['by get', 'any path'],
  );
  const put = await send(flume, { method: 'PUT', body: batch('no') });
  t.equal(put.status, 405);
  t.equal(put.message, 'HTTP method PUT is not supported by this URL');
  const head = await send(flume, { method: 'HEAD', body: batch('by head') });
  t.equal(head.status, 200, 'HEAD runs doGet, which runs doPost');
  t.equal(flume.events.at(-1)?.body.toString(), 'by head');
  for (const method of ['TRACE', 'OPTIONS']) {
    t.equal((await send(flume, { method, contentType: null })).status, 403, `${method} is forbidden`);
  }
  t.equal(flume.events.length, 3);
});

t.test('an empty batch is a 200 that commits nothing', async (t) => {
  const flume = await source(t);
  t.equal((await send(flume, { body: '[]' })).status, 200);
  t.equal(flume.events.length, 0);
});

t.test('invalid JSON is a 400 with the message in a Jetty 9.4 error page; nothing committed', async (t) => {
  const flume = await source(t);
  for (const body of ['[{"body": "x"', '{"body": "x"}', '[1]', '[{"body": {"a": 1}}]', '[{"headers": ["a"]}]']) {
    const answer = await send(flume, { body });
    t.equal(answer.status, 400, body);
    t.equal(answer.message, FLUME_MESSAGES.badRequest, body);
  }
  const answer = await send(flume, { body: 'nope', path: '/flume' });
  t.equal(answer.headers['content-type'], 'text/html;charset=iso-8859-1');
  t.equal(answer.headers['cache-control'], 'must-revalidate,no-cache,no-store');
  const page = answer.body.toString('latin1');
  t.match(page, '<title>Error 400 Bad request from client. Request has invalid JSON Syntax.</title>');
  t.match(page, '<h2>HTTP ERROR 400 Bad request from client. Request has invalid JSON Syntax.</h2>');
  t.match(page, '<tr><th>URI:</th><td>/flume</td></tr>');
  t.match(page, '<tr><th>STATUS:</th><td>400</td></tr>');
  t.match(page, '<tr><th>MESSAGE:</th><td>Bad request from client. Request has invalid JSON Syntax.</td></tr>');
  t.match(page, `Powered by Jetty:// ${JETTY_VERSION}`);
  t.equal(flume.events.length, 0);
});

t.test('an empty body or a null document is the NullPointerException JSONHandler hits: 500 "... null"', async (t) => {
  const flume = await source(t);
  for (const body of ['', 'null', '[null]']) {
    const answer = await send(flume, { body });
    t.equal(answer.status, 500, JSON.stringify(body));
    t.equal(answer.message, 'Deserializer threw unexpected exception. null');
  }
});

t.test('charsets: only UTF-8, UTF-16 and UTF-32 (any case); others are a 500 from JSONHandler', async (t) => {
  const flume = await source(t);
  for (const name of ['ISO-8859-1', 'US-ASCII', 'UTF-16LE', 'windows-1252']) {
    const answer = await send(flume, { body: batch('x'), contentType: `application/json; charset=${name}` });
    t.equal(answer.status, 500, name);
    t.equal(
      answer.message,
      'Deserializer threw unexpected exception. JSON handler supports UTF-8, UTF-16 and UTF-32 only.',
    );
  }
  const unknown = await send(flume, { body: batch('x'), contentType: 'application/json; charset=x-no-such' });
  t.equal(unknown.status, 500, 'a name Java does not know fails Jetty getReader first');
  t.equal(unknown.message, 'Deserializer threw unexpected exception. x-no-such');
  t.equal(flume.events.length, 0);
  for (const name of ['utf-8', 'UTF-8', '"UTF-8"', 'utf8']) {
    const answer = await send(flume, { body: batch(name), contentType: `application/json;charset=${name}` });
    t.equal(answer.status, 200, `${name} (Jetty normalizes utf8 to utf-8)`);
  }
});

t.test('UTF-8: bodies stored as sent; no charset on a JSON type is UTF-8 too', async (t) => {
  const flume = await source(t);
  const text = 'é 東京 😀 "q" \\ \n';
  await send(flume, { body: Buffer.from(batch(text), 'utf8') });
  await send(flume, { body: Buffer.from(batch(text), 'utf8'), contentType: 'application/json' });
  t.same(flume.events[0]?.body, Buffer.from(text, 'utf8'));
  t.same(flume.events[1]?.body, Buffer.from(text, 'utf8'));
});

t.test(
  'without any Content-Type Jetty reads ISO-8859-1 and JSONHandler stores UTF-8: non-ASCII is doubled',
  async (t) => {
    const flume = await source(t);
    t.equal((await send(flume, { body: Buffer.from(batch('é'), 'utf8'), contentType: null })).status, 200);
    t.same(flume.events[0]?.body, Buffer.from([0xc3, 0x83, 0xc2, 0xa9]), '"Ã©" in UTF-8');
  },
);

t.test(
  'UTF-16: the request read with a mark (either order) or big-endian without; bodies stored FE FF + big-endian',
  async (t) => {
    const flume = await source(t);
    const json = batch('hé😀', '');
    const bigEndian = Buffer.from(json, 'utf16le').swap16();
    const type = 'application/json; charset=UTF-16';
    t.equal(
      (await send(flume, { body: Buffer.concat([Buffer.from([0xfe, 0xff]), bigEndian]), contentType: type })).status,
      200,
    );
    t.equal((await send(flume, { body: bigEndian, contentType: type })).status, 200);
    const littleEndian = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]);
    t.equal((await send(flume, { body: littleEndian, contentType: type })).status, 200);
    for (const pair of [0, 2, 4]) {
      t.same(flume.events[pair]?.body, utf16('hé😀'));
      t.same(flume.events[pair + 1]?.body, Buffer.alloc(0), 'Java writes no mark for an empty string');
    }
  },
);

t.test('UTF-32: the request big-endian (mark optional); bodies stored big-endian with no mark', async (t) => {
  const flume = await source(t);
  const json = [...batch('a😀')];
  const request = Buffer.alloc(json.length * 4);
  json.forEach((char, index) => request.writeUInt32BE(char.codePointAt(0) as number, index * 4));
  t.equal((await send(flume, { body: request, contentType: 'application/json; charset=utf-32' })).status, 200);
  t.same(flume.events[0]?.body, Buffer.from([0, 0, 0, 0x61, 0, 0x01, 0xf6, 0x00]));
});

t.test('an escaped lone surrogate in a body is what Java cannot encode: "?" in UTF-8, U+FFFD in UTF-16', async (t) => {
  const flume = await source(t);
  const json = '[{"body":"a\\ud800"}]';
  await send(flume, { body: json });
  await send(flume, { body: Buffer.from(json, 'utf16le').swap16(), contentType: 'application/json; charset=UTF-16' });
  t.same(flume.events[0]?.body, Buffer.from('a?'));
  t.same(flume.events[1]?.body, utf16('a\ufffd'));
});

t.test('headers: absent or null is none; numbers are their text, as Gson reads them', async (t) => {
  const flume = await source(t);
  await send(flume, { body: '[{"body":"a"},{"headers":null,"body":"b"},{"headers":{"n":5,"b":true},"body":7}]' });
  t.same(flume.events, [
    { headers: {}, body: Buffer.from('a') },
    { headers: {}, body: Buffer.from('b') },
    { headers: { n: '5', b: 'true' }, body: Buffer.from('7') },
  ]);
});

t.test(
  'capacity: a batch that does not fit is a 503 with the memory channel message, nothing committed; drain makes room',
  async (t) => {
    const flume = await source(t, { capacity: 3 });
    t.equal((await send(flume, { body: batch('1', '2') })).status, 200);
    const full = await send(flume, { body: batch('3', '4') });
    t.equal(full.status, 503);
    t.equal(full.message, FLUME_MESSAGES.channelFull + FLUME_MESSAGES.memoryChannelFull);
    t.match(
      full.message,
      /^Error appending event to channel\. Channel might be full\.Space for commit/,
      'no space between',
    );
    t.equal(flume.events.length, 2, 'all of the batch or none of it');
    t.equal(flume.drain(), 2);
    t.equal((await send(flume, { body: batch('3', '4') })).status, 200);
    t.equal(flume.events.length, 4);
  },
);

t.test('transactionCapacity: a batch larger than one transaction is a 503 naming the put queue', async (t) => {
  const flume = await source(t, { transactionCapacity: 2 });
  const answer = await send(flume, { body: batch('1', '2', '3') });
  t.equal(answer.status, 503);
  t.equal(answer.message, FLUME_MESSAGES.channelFull + FLUME_MESSAGES.transactionFull(2));
  t.equal(flume.events.length, 0);
});

t.test('plan: a 503 (with Retry-After when asked) and a 500 commit nothing; then requests commit again', async (t) => {
  const flume = await source(t, {
    plan: [
      { status: 503, retryAfter: '2' },
      { status: 500, message: 'boom' },
    ],
  });
  const busy = await send(flume, { body: batch('a') });
  t.equal(busy.status, 503);
  t.equal(busy.headers['retry-after'], '2');
  t.equal(busy.message, FLUME_MESSAGES.channelFull + FLUME_MESSAGES.memoryChannelFull);
  const failed = await send(flume, { body: batch('b') });
  t.equal(failed.status, 500);
  t.equal(failed.message, 'Unexpected error while appending event to channel. boom');
  t.equal(flume.events.length, 0);
  t.equal((await send(flume, { body: batch('c') })).status, 200);
  t.same(
    flume.events.map((e) => e.body.toString()),
    ['c'],
  );
});

t.test(
  'error pages: the message is escaped as Jetty does; ISO-8859-1 unless Accept-Charset asks for UTF-8',
  async (t) => {
    const flume = await source(t, {
      plan: [
        { status: 500, message: `<b>"it's" & ☃</b>` },
        { status: 500, message: `<b>"it's" & ☃</b>` },
      ],
    });
    const latin = await send(flume, { body: batch('x') });
    t.match(
      latin.body.toString('latin1'),
      '<td>Unexpected error while appending event to channel. &lt;b&gt;&quot;it&apos;s&quot; &amp; ?&lt;/b&gt;</td>',
    );
    t.equal(latin.message, `Unexpected error while appending event to channel. <b>"it's" & ?</b>`);
    const utf8 = await send(flume, { body: batch('x'), headers: { 'Accept-Charset': 'utf-8' } });
    t.equal(utf8.headers['content-type'], 'text/html;charset=utf-8');
    t.equal(utf8.message, `Unexpected error while appending event to channel. <b>"it's" & ☃</b>`);
  },
);

t.test(
  'plan: a delayed request is committed and answered after its delay, and counts in flight meanwhile',
  async (t) => {
    const flume = await source(t, { plan: [{ delayMs: 200 }] });
    const started = Date.now();
    const answer = send(flume, { body: batch('late') });
    await until(() => flume.inFlight === 1, 'the request in flight');
    t.equal(flume.events.length, 0, 'not committed before the delay');
    t.equal((await answer).status, 200);
    t.ok(Date.now() - started >= 190, 'answered after the delay');
    t.equal(flume.events.length, 1);
    await until(() => flume.inFlight === 0, 'nothing in flight');
  },
);

t.test('plan: a stalled request is never answered, and close() still ends at once', async (t) => {
  const flume = await startHttpSource({ plan: [{ stall: true }] });
  const req = http.request(flume.url, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
  let answered = false;
  const ended = new Promise<string>((resolve) => {
    req.once('response', () => (answered = true));
    req.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
  req.end(batch('stuck'));
  await until(() => flume.requests === 1, 'the request');
  await pause(100);
  t.equal(flume.inFlight, 1);
  t.notOk(answered);
  t.equal(flume.events.length, 0);
  await within(flume.close(), SLACK_MS, 'close with a stalled request');
  t.equal(await within(ended, SLACK_MS, 'the client to see the connection go'), 'ECONNRESET');
  await within(flume.close(), SLACK_MS, 'a second close');
});

t.test('plan: resetAfterRead reads the request and drops the connection without an answer', async (t) => {
  const flume = await source(t, { plan: [{ resetAfterRead: true }] });
  const error = await send(flume, { body: batch('lost') }).then(
    () => null,
    (e: NodeJS.ErrnoException) => e,
  );
  t.equal(error?.code, 'ECONNRESET');
  t.equal(flume.requests, 1);
  t.equal(flume.events.length, 0);
  await until(() => flume.inFlight === 0, 'the reset request out of flight');
  t.equal((await send(flume, { body: batch('next') })).status, 200, 'the next request is served');
});

t.test('keep-alive: one connection serves many requests, error answers included', async (t) => {
  const flume = await source(t, { capacity: 1 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  t.equal((await send(flume, { body: batch('1'), agent })).status, 200);
  t.equal((await send(flume, { body: batch('2'), agent })).status, 503);
  t.equal((await send(flume, { body: 'bad json', agent })).status, 400);
  t.equal(
    (await send(flume, { body: batch('x'), agent, contentType: 'application/json; charset=latin1' })).status,
    500,
  );
  flume.drain();
  t.equal((await send(flume, { body: batch('3'), agent })).status, 200);
  t.equal(flume.requests, 5);
  t.equal(flume.connections, 1);
});

t.test('plan: a delayed batch is committed even when the client gave up during the delay, as in Flume', async (t) => {
  const flume = await source(t, { plan: [{ delayMs: 150 }] });
  const req = http.request(flume.url, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
  req.once('error', () => undefined);
  req.end(batch('committed anyway'));
  await until(() => flume.requests === 1, 'the request');
  req.destroy();
  await until(() => flume.events.length === 1, 'the commit after the delay');
  t.equal(flume.events[0]?.body.toString(), 'committed anyway');
  await until(() => flume.inFlight === 0, 'nothing in flight');
});

t.test('plan: a delayed request with invalid JSON is refused at once, before the delay', async (t) => {
  const flume = await source(t, { plan: [{ delayMs: 5 * SLACK_MS }] });
  t.equal((await send(flume, { body: '[' })).status, 400);
});

t.test('a "__proto__" header is an ordinary header', async (t) => {
  const flume = await source(t);
  await send(flume, { body: '[{"headers":{"__proto__":"x","a":"b"},"body":""}]' });
  const headers = flume.events[0]?.headers ?? {};
  t.ok(Object.hasOwn(headers, '__proto__'));
  t.equal(JSON.stringify(headers), '{"__proto__":"x","a":"b"}');
});

t.test("error answers follow Jetty's Accept handling: JSON, plain text, or no body when nothing fits", async (t) => {
  const flume = await source(t);
  const json = await send(flume, { body: '[', headers: { Accept: 'application/json' } });
  t.equal(json.headers['content-type'], 'application/json');
  t.match(JSON.parse(json.body.toString('utf8')), { status: '400', message: FLUME_MESSAGES.badRequest, url: '/' });
  t.equal(json.message, FLUME_MESSAGES.badRequest);
  const text = await send(flume, { body: '[', headers: { Accept: 'text/plain' } });
  t.equal(text.headers['content-type'], 'text/plain;charset=iso-8859-1');
  t.match(
    text.body.toString('latin1'),
    /^HTTP ERROR 400 Bad request from client\. .*\nURI: \/\nSTATUS: 400\nMESSAGE: /,
  );
  t.equal(text.message, FLUME_MESSAGES.badRequest);
  const html = await send(flume, { body: '[', headers: { Accept: 'image/png, */*' } });
  t.equal(html.headers['content-type'], 'text/html;charset=iso-8859-1', 'the first type Jetty can write');
  const none = await send(flume, { body: '[', headers: { Accept: 'image/png' } });
  t.equal(none.status, 400);
  t.equal(none.body.length, 0);
});

t.test('a UTF-8 byte-order mark before the JSON is skipped, as Gson does', async (t) => {
  const flume = await source(t);
  const answer = await send(flume, {
    body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(batch('marked'))]),
  });
  t.equal(answer.status, 200);
  t.equal(flume.events[0]?.body.toString(), 'marked');
});
