/**
 * Leak checks, each in a child process of its own started with --expose-gc (see
 * fixtures/leak-child.mjs), so what is counted is the clients' alone: file descriptors
 * (/proc/self/fd), active handles (process.getActiveResourcesInfo()) and heap after full
 * collections.
 *
 * - 2,000 clients, each created, used once (connect, or one append) and closed: everything back
 *   to the baseline taken after a warm-up. The same for HttpRpcClient, a third of them failover
 *   clients whose health monitor polls the agent (pools, timers and polls must go at close).
 * - One client calling a refused port for FLUME_RPC_LEAK_DEAD_MS (default 3 s; the issue's minute
 *   is `FLUME_RPC_LEAK_DEAD_MS=60000`): every call settles with a typed error, and descriptors,
 *   handles and heap stay flat through the run instead of growing with the calls.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { runNodeChild } from '../fixtures/node-child.js';
import { closedPort, startHttpSource, startRecordingServer } from '../fixtures/index.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'leak-child.mjs');
const DEAD_MS = Number(process.env['FLUME_RPC_LEAK_DEAD_MS'] ?? 3000);
const CLIENTS = 2000;
const MB = 1024 * 1024;

interface Snapshot {
  fds: number;
  handles: Record<string, number>;
  heapUsed: number;
}

async function runChild<R>(t: Test, args: string[], boundMs: number): Promise<R> {
  const exit = await runNodeChild(t, CHILD, args, {
    boundMs,
    what: 'the leak-check child',
    nodeFlags: ['--expose-gc'],
  });
  if (exit.code !== 0) throw new Error(`leak-check child exited ${exit.code}: ${exit.stderr}`);
  return exit.report as R;
}

const handleCount = (s: Snapshot): number => Object.values(s.handles).reduce((a, b) => a + b, 0);
const describe = (s: Snapshot): string =>
  `${s.fds} fds, handles ${JSON.stringify(s.handles)}, heap ${(s.heapUsed / MB).toFixed(2)} MB`;

interface ChurnReport {
  baseline: Snapshot;
  after: Snapshot;
  outcomes: Record<string, number>;
}

/** Every client did its one thing, and descriptors, handles and heap are back where they were. */
function backToBaseline(t: Test, report: ChurnReport): void {
  t.comment(`baseline: ${describe(report.baseline)}; after: ${describe(report.after)}`);
  t.same(report.outcomes, { ok: CLIENTS }, 'every client connected or delivered its event');
  t.ok(
    report.after.fds <= report.baseline.fds + 1,
    `file descriptors back to the baseline (${report.baseline.fds} -> ${report.after.fds})`,
  );
  t.ok(handleCount(report.after) <= handleCount(report.baseline), 'no socket or timer left active');
  t.ok(
    report.after.heapUsed - report.baseline.heapUsed < 4 * MB,
    `heap back to the baseline within 4 MB (+${((report.after.heapUsed - report.baseline.heapUsed) / MB).toFixed(2)} MB; a retained client per use would be several MB)`,
  );
}

t.test(`${CLIENTS} clients created, used once and closed leave nothing behind`, async (t) => {
  const server = await startRecordingServer(t);
  const report = await runChild<ChurnReport>(t, ['churn', String(server.port), String(CLIENTS)], 60_000);
  t.ok(server.calls.length >= CLIENTS / 2, `the server saw the appends (${server.calls.length})`);
  backToBaseline(t, report);
});

t.test(
  `${CLIENTS} HTTP clients (a third of them failover clients polling agent health) leave nothing behind`,
  async (t) => {
    const source = await startHttpSource();
    t.teardown(() => source.close());
    const report = await runChild<ChurnReport>(t, ['http-churn', source.url, String(CLIENTS)], 60_000);
    t.ok(source.requests >= CLIENTS, `the source saw the posts (${source.requests})`);
    backToBaseline(t, report);
  },
);

interface DeadReport {
  before: Snapshot;
  samples: Snapshot[];
  after: Snapshot;
  stream: {
    calls: number;
    failedCalls: number;
    unsettled: number;
    untypedErrors: number;
    errors: Record<string, number>;
  };
  counters: { eventsReceived: number; eventsAcknowledged: number; eventsFailed: number };
}

t.test(
  `a client calling a refused port for ${DEAD_MS} ms: every call settles with a typed error, resources stay flat`,
  async (t) => {
    const port = await closedPort();
    const report = await runChild<DeadReport>(t, ['dead', String(port), String(DEAD_MS)], DEAD_MS + 30_000);
    const { stream, samples, counters } = report;
    t.comment(
      `calls ${stream.calls}; first sample: ${describe(samples[0]!)}; last: ${describe(samples[samples.length - 1]!)}; after close: ${describe(report.after)}`,
    );
    t.ok(stream.calls >= 10, `the client kept calling (${stream.calls} calls)`);
    t.equal(stream.unsettled, 0, 'every call settled');
    t.same(Object.keys(stream.errors), ['ConnectError'], 'every call failed with ConnectError');
    t.equal(stream.untypedErrors, 0);
    t.equal(counters.eventsReceived, counters.eventsAcknowledged + counters.eventsFailed, 'counters balance');

    t.ok(samples.length >= 6, `sampled through the run (${samples.length} samples)`);
    const third = Math.floor(samples.length / 3);
    const early = samples.slice(0, third);
    const late = samples.slice(-third);
    const max = (xs: Snapshot[], f: (s: Snapshot) => number) => Math.max(...xs.map(f));
    const mean = (xs: Snapshot[], f: (s: Snapshot) => number) => xs.reduce((a, s) => a + f(s), 0) / xs.length;
    // A sample may catch the one connect attempt the client has in progress (its socket and its
    // timer): that much is allowed. A leak grows with the calls, by tens over a run of hundreds.
    t.ok(
      max(late, (s) => s.fds) <= max(early, (s) => s.fds) + 1,
      `file descriptors do not grow (${max(early, (s) => s.fds)} -> ${max(late, (s) => s.fds)})`,
    );
    t.ok(
      max(late, handleCount) <= max(early, handleCount) + 2,
      `active handles do not grow (${max(early, handleCount)} -> ${max(late, handleCount)})`,
    );
    const heapGrowth = mean(late, (s) => s.heapUsed) - mean(early, (s) => s.heapUsed);
    t.ok(
      heapGrowth < 0.5 * MB,
      `heap does not grow (${(heapGrowth / 1024).toFixed(0)} KB from the first third to the last)`,
    );
    t.ok(report.after.fds <= report.before.fds, 'after close, descriptors back to the baseline');
    t.ok(
      handleCount(report.after) <= handleCount(report.before),
      `after close, no handle left beyond the baseline's (${JSON.stringify(report.before.handles)})`,
    );
  },
);
