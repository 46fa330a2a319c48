import t, { type Test } from 'tap';
import { request } from 'undici';
import { HttpRpcClient } from '@flume-rpc/rpc-client';
import { HttpSourceServer } from '../../packages/tools/dist/bench/http-source-server.js';

// The bench's HTTP source answers as Flume's JSONHandler does on the paths the bench takes: 200
// and the events counted for an array of {headers, body}, 400 and nothing counted otherwise.

async function startSource(t: Test): Promise<{ source: HttpSourceServer; url: string }> {
  const source = new HttpSourceServer();
  const port = await source.listen(0, '127.0.0.1');
  t.teardown(() => source.close());
  return { source, url: `http://127.0.0.1:${port}/` };
}

async function post(url: string, body: string): Promise<{ status: number; text: string }> {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=UTF-8' },
    body,
    headersTimeout: 5000,
    bodyTimeout: 5000,
  });
  return { status: response.statusCode, text: await response.body.text() };
}

t.test('an array of {headers, body} is answered 200 with an empty body, and its events counted', async (t) => {
  const { source, url } = await startSource(t);
  const answer = await post(
    url,
    JSON.stringify([
      { headers: { a: 'b' }, body: 'one' },
      { headers: {}, body: 'two' },
    ]),
  );
  t.same(answer, { status: 200, text: '' });
  t.equal(source.stats.eventsAcknowledged, 2);
  t.same(await post(url, '[]'), { status: 200, text: '' }, 'an empty batch commits nothing and is fine');
  t.equal(source.stats.eventsAcknowledged, 2);
});

t.test('anything else is answered 400 and counts nothing', async (t) => {
  const { source, url } = await startSource(t);
  for (const body of [
    'not json',
    '{"headers":{},"body":"x"}',
    '[{"headers":{"a":1},"body":"x"}]',
    '[{"body":7}]',
    '[1]',
  ]) {
    t.equal((await post(url, body)).status, 400, body);
  }
  t.equal(source.stats.eventsAcknowledged, 0);
  t.equal(source.stats.callsFailed, 5);
});

t.test('HttpRpcClient delivers to it, and the source counts what the client acknowledged', async (t) => {
  const { source, url } = await startSource(t);
  const client = new HttpRpcClient({ url, maxInflight: 2, batchSize: 10 });
  t.teardown(() => client.close());
  const events = Array.from({ length: 25 }, (_, seq) => ({
    headers: { seq: String(seq) },
    body: Buffer.from(`event ${seq}`),
  }));
  await client.appendBatch(events);
  t.equal(source.stats.eventsAcknowledged, 25);
  t.equal(client.counters.eventsAcknowledged, 25);
});
