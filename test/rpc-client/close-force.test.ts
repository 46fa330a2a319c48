/**
 * Cutting a close short: close({ force: true }), an AbortSignal, or a forced close() while a
 * plain one waits. Written calls then reject at once with ClientClosedError (written: true).
 */
import t, { type Test } from 'tap';
import { ClientClosedError, EventBuilder } from '@flume-rpc/rpc-client';
import {
  SLACK_MS,
  assertBalanced,
  makeClient,
  outcome,
  startRecordingServer,
  until,
  within,
} from '../fixtures/index.js';

async function clientWithUnansweredCalls(t: Test) {
  const rec = await startRecordingServer(t, { faults: { responseDelayMs: Infinity } });
  // Long timeouts: anything that waits for them fails the test's bounded waits.
  const client = makeClient(t, rec.port, { requestTimeoutMs: 30_000, closeTimeoutMs: 30_000, callTimeoutMs: 60_000 });
  await client.connect();
  const calls = [1, 2, 3].map((i) => outcome(client.append(EventBuilder.withBody(`f${i}`))));
  await until(() => rec.calls.length === 3, 'the server to receive the three calls');
  return { rec, client, calls };
}

async function assertCutShort(
  t: Test,
  client: ReturnType<typeof makeClient>,
  calls: Array<ReturnType<typeof outcome>>,
): Promise<void> {
  const results = await within(Promise.all(calls), SLACK_MS, 'the written calls to settle');
  for (const r of results) {
    t.ok(
      !r.ok && r.error instanceof ClientClosedError && r.error.written,
      `rejected as written, maybe delivered (${r.ok ? 'ok' : r.error.message})`,
    );
  }
  t.equal(client.state, 'shutdown');
  assertBalanced(t, client);
}

t.test('close({ force: true }) does not wait for written calls', async (t) => {
  const { client, calls } = await clientWithUnansweredCalls(t);
  await within(client.close({ force: true }), SLACK_MS, 'a forced close (not the 30 s close-timeout)');
  await assertCutShort(t, client, calls);
});

t.test('close({ signal }) waits until the signal fires, then cuts the wait', async (t) => {
  const { client, calls } = await clientWithUnansweredCalls(t);
  const controller = new AbortController();
  let closed = false;
  const closing = client.close({ signal: controller.signal }).then(() => {
    closed = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.equal(closed, false, 'still waiting for the written calls');
  controller.abort();
  await within(closing, SLACK_MS, 'close after the abort');
  await assertCutShort(t, client, calls);
});

t.test('an already aborted signal forces at once; a forced close() cuts a plain one in progress', async (t) => {
  const first = await clientWithUnansweredCalls(t);
  await within(first.client.close({ signal: AbortSignal.abort() }), SLACK_MS, 'close with an aborted signal');
  await assertCutShort(t, first.client, first.calls);

  const second = await clientWithUnansweredCalls(t);
  const plain = second.client.close();
  const forced = second.client.close({ force: true });
  t.equal(plain, forced, 'the same close, now forced');
  await within(plain, SLACK_MS, 'the plain close, cut by the forced one');
  await assertCutShort(t, second.client, second.calls);
});
