/**
 * The throughput scenario's new rows deliver over real sockets to the bench's server children:
 * the failover and load-balancing clients against ours, the raw sender against avsc's, the raw
 * sender encoding every call. Short windows; only delivery and accounting are asserted, never a rate.
 */
import t, { type Test } from 'tap';
import { runClosedLoop } from '../../packages/tools/dist/bench/closed-loop.js';
import { openRawEncodingSender } from '../../packages/tools/dist/bench/sender-raw.js';
import { type ServerProcess, startServerProcess } from '../../packages/tools/dist/bench/server-process.js';
import { type Measurement, type RowName, measureRow } from '../../packages/tools/dist/bench/throughput-measure.js';
import { standardWorkload } from '../../packages/tools/dist/bench/workload.js';
import { startRecordingServer } from '../fixtures/index.js';

const WINDOW = { warmupMs: 100, windowMs: 200, maxRequests: 5000, drainTimeoutMs: 5000 };
const workload = standardWorkload();

async function server(t: Test, source: 'avro' | 'avsc'): Promise<ServerProcess> {
  const child = await startServerProcess({ source });
  t.teardown(() => child.stop());
  return child;
}

/** One measurement of `row` at 8 in flight, and how many connections its server accepted meanwhile. */
async function measured(
  servers: { ours: ServerProcess; avsc: ServerProcess },
  row: RowName,
): Promise<{ m: Measurement; connections: number }> {
  const target = row === 'avsc-server' ? servers.avsc : servers.ours;
  const before = await target.stats();
  const m = await measureRow(servers, workload, row, 8, 0, WINDOW);
  const after = await target.stats();
  return { m, connections: after.connectionsAccepted - before.connectionsAccepted };
}

function delivered(t: Test, m: Measurement): void {
  t.equal(m.error, null, `${m.client}: no error`);
  t.ok(m.windowRequests > 0, `${m.client}: ${m.windowRequests} batches acknowledged in the window`);
  t.ok(m.clientAcknowledgedEvents > 0, `${m.client}: the client counted acknowledged events`);
  t.ok(
    m.serverAcknowledgedEvents >= m.clientAcknowledgedEvents,
    `${m.client}: server acknowledged ${m.serverAcknowledgedEvents} >= client-counted ${m.clientAcknowledgedEvents}`,
  );
  t.equal(m.clientAcknowledgedEvents % workload.batchSize, 0, `${m.client}: whole batches`);
}

t.test(
  'failover, lb, raw-encode and raw-against-avsc deliver every acknowledged event, each to its server',
  async (t) => {
    const servers = { ours: await server(t, 'avro'), avsc: await server(t, 'avsc') };

    const failover = await measured(servers, 'failover');
    delivered(t, failover.m);
    t.equal(failover.connections, 1, 'failover: every call on the highest-priority host; the other stands by');

    const lb = await measured(servers, 'lb');
    delivered(t, lb.m);
    t.equal(lb.connections, 2, 'lb: calls spread over both host entries, one connection each');

    const encoding = await measured(servers, 'raw-encode');
    delivered(t, encoding.m);
    t.equal(encoding.connections, 1, 'raw-encode: one connection');

    const oursBefore = (await servers.ours.stats()).eventsAcknowledged;
    const avsc = await measured(servers, 'avsc-server');
    delivered(t, avsc.m);
    t.equal(avsc.connections, 1, 'the raw sender connected to the avsc child');
    t.equal((await servers.ours.stats()).eventsAcknowledged, oursBefore, 'our server got none of those events');
    t.equal(
      avsc.m.serverAcknowledgedEvents,
      avsc.m.clientAcknowledgedEvents,
      'the avsc child counts exactly the events it answered OK, as the raw sender counted them',
    );
  },
);

t.test('raw-encode sends the workload itself on every call, its buffers reused once answered', async (t) => {
  const rec = await startRecordingServer(t);
  const sender = await openRawEncodingSender(rec.port, workload);
  t.teardown(() => sender.close());
  // More calls than serials (64), 8 in flight at a time, so buffers and serials are used many times over.
  const calls = 150;
  const loop = await runClosedLoop(sender, {
    inFlight: 8,
    warmupMs: 0,
    windowMs: 10_000,
    maxRequests: calls,
    drainTimeoutMs: 5000,
  });
  t.same([loop.error, loop.stoppedBy, loop.acknowledgedRequests], [null, 'count', calls], 'every call answered OK');
  t.equal(rec.calls.length, calls + sender.setupRequests, 'every call and the handshake call arrived');
  const expected = workload.events.map((e) => Buffer.from(e.body).toString('utf8'));
  const wrong = rec.calls.filter(
    (call) =>
      call.message !== 'appendBatch' ||
      call.bodies.join('\0') !== expected.join('\0') ||
      call.headers.some((h, j) => JSON.stringify(h) !== JSON.stringify(workload.events[j]!.headers)),
  );
  t.equal(wrong.length, 0, 'each call carried the workload, bodies and headers alike');
});
