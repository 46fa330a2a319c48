/**
 * close() releases everything: after closing clients caught in every kind of wait (a call in
 * flight, a held handshake, a one-minute backoff after a failed round, an unanswered call, a
 * client never used, failover and load-balancing clients), a process holding nothing else
 * exits on its own, at once. A socket or a ref'd timer left behind would keep it alive.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { runNodeChild } from '../fixtures/node-child.js';
import { SLACK_MS, closedPort, startRecordingServer } from '../fixtures/index.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'rpc-client-close-child.mjs');

t.test('after close() of clients in every waiting state, the process exits by itself', async (t) => {
  const healthy = await startRecordingServer(t);
  const handshakeStalled = await startRecordingServer(t, { faults: { handshakeStallMs: Infinity } });
  const responseStalled = await startRecordingServer(t, { faults: { responseDelayMs: Infinity } });
  const refused = await closedPort();

  const args = [healthy.port, handshakeStalled.port, responseStalled.port, refused].map(String);
  const {
    code,
    at,
    stderr,
    report: printed,
  } = await runNodeChild(t, CHILD, args, {
    boundMs: 20_000,
    what: 'the child process to exit (something was left open after close)',
  });
  t.equal(code, 0, `the child ran cleanly${stderr ? `: ${stderr}` : ''}`);
  const report = (printed ?? {}) as { closed?: boolean; at?: number; outcomes?: Record<string, string> };
  t.equal(report.closed, true, 'every close() resolved');
  const { d, ...others } = report.outcomes ?? {};
  t.same(others, {
    a: 'ok', // in flight at close: close waited for it
    b: 'ClientClosedError', // its handshake was held: refused at once, not written
    cFirst: 'ConnectError',
    c: 'ClientClosedError', // waiting out the backoff: refused at once
    f: 'ClientClosedError', // failover waiting on a held handshake
    g: 'ClientClosedError', // written, cut by a forced close
    h: 'ClientClosedError', // still connecting (TLS never answered)
  });
  // Never answered: its own request timeout and close-timeout (both 100ms, started a moment
  // apart) race; either way a typed error.
  t.ok(
    ['RequestTimeoutError', 'ConnectionClosedError', 'ClientClosedError'].includes(d ?? ''),
    `the unanswered call was reported (${d})`,
  );
  t.ok(
    at - report.at! < SLACK_MS,
    `exited ${at - report.at!}ms after the last close resolved, not after a leftover timer`,
  );
});
