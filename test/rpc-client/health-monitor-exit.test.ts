/**
 * A HealthMonitor never keeps the process alive: its poll timers are unref'd and undici leaves an
 * idle connection unref'd, so a process left with nothing but a running monitor exits by itself.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { runNodeChild } from '../fixtures/node-child.js';
import { SLACK_MS, startMetricsServer } from '../fixtures/index.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'health-monitor-child.mjs');

t.test('a process holding only a running monitor exits on its own', async (t) => {
  const server = await startMetricsServer(t, { fill: { c1: 12.5 } });
  const { code, at, stderr, report } = await runNodeChild(t, CHILD, [server.url], {
    boundMs: 20_000,
    what: 'the child process to exit (the monitor kept it alive)',
  });
  t.equal(code, 0, `the child ran cleanly${stderr ? `: ${stderr}` : ''}`);
  const printed = (report ?? {}) as { readings?: boolean[]; at?: number };
  t.same(printed.readings, [true, true, true], 'the monitor polled before the process was left to it');
  t.ok(at - (printed.at ?? 0) < SLACK_MS, 'exited once nothing but the monitor was left, not after some timeout');
});
