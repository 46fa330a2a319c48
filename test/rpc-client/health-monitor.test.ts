/**
 * HealthMonitor against a stand-in for Flume's HTTP metrics server on 127.0.0.1: the verdict from
 * the channels' fill, failures counted in a row before a host turns unhealthy (500, invalid JSON,
 * oversized body, stall, refused), one request in flight at most, and stop() that aborts, closes
 * and stays stopped. Intervals are small; every wait is bounded and nothing asserts on speed.
 */
import t, { type Test } from 'tap';
import { HealthMonitor, type HealthReading } from '@flume-rpc/rpc-client/internal';
import {
  LOOPBACK,
  SLACK_MS,
  closedPort,
  pause,
  startMetricsServer,
  until,
  within,
  type MetricsServer,
  type MetricsServerMode,
} from '../fixtures/index.js';

interface Watched {
  monitor: HealthMonitor;
  readings: HealthReading[];
  changes: boolean[];
}

interface WatchOptions {
  intervalMs?: number;
  timeoutMs?: number;
  failuresBeforeUnhealthy?: number;
  /** Runs inside onReading, before the next poll can start: scripts the server without racing it. */
  onEach?: (reading: HealthReading) => void;
}

/** A started monitor (limit 90%) whose readings and `changed` flags are recorded; stopped in teardown. */
function watch(t: Test, url: string, options: WatchOptions = {}): Watched {
  const readings: HealthReading[] = [];
  const changes: boolean[] = [];
  const monitor = new HealthMonitor({
    url,
    intervalMs: options.intervalMs ?? 20,
    timeoutMs: options.timeoutMs ?? 1000,
    maxChannelFill: 90,
    ...(options.failuresBeforeUnhealthy === undefined
      ? {}
      : { failuresBeforeUnhealthy: options.failuresBeforeUnhealthy }),
    onReading: (reading, changed) => {
      readings.push(reading);
      changes.push(changed);
      options.onEach?.(reading);
    },
  });
  t.teardown(() => monitor.stop());
  monitor.start();
  return { monitor, readings, changes };
}

const readingsReach = (watched: Watched, count: number): Promise<void> =>
  until(() => watched.readings.length >= count, `${count} reading(s)`);

/** `changed` must be true exactly where `healthy` differs from the reading before (and for the first). */
function checkChangedFlags(t: Test, watched: Watched): void {
  const expected = watched.readings.map(
    (reading, i) => i === 0 || reading.healthy !== watched.readings[i - 1]?.healthy,
  );
  t.same(watched.changes, expected, 'changed is true exactly when healthy flipped, and for the first reading');
}

t.test('a healthy agent: channels, highest fill and reason from one poll', async (t) => {
  const server = await startMetricsServer(t, { fill: { c1: 12.5, c2: 0 } });
  const readings: HealthReading[] = [];
  const monitor = new HealthMonitor({
    url: server.url,
    intervalMs: 20,
    timeoutMs: 1000,
    maxChannelFill: 90,
    onReading: (reading) => readings.push(reading),
  });
  t.teardown(() => monitor.stop());
  t.equal(monitor.reading, null, 'no reading before the first poll');
  t.equal(monitor.healthy, true, 'healthy until a verdict says otherwise');
  monitor.start();
  await until(() => readings.length >= 1, 'the first reading');
  const first = readings[0];
  t.match(first, {
    url: server.url,
    healthy: true,
    channels: { c1: 12.5, c2: 0 },
    maxFill: 12.5,
    consecutiveFailures: 0,
    error: null,
    reason: 'all channels at or below 90%',
  });
  t.type(first?.at, 'number');
  t.equal(monitor.reading, readings.at(-1), 'reading is the last one delivered');
  t.equal(monitor.healthy, true);
});

t.test('a channel above the limit makes the host unhealthy, and back below healthy again', async (t) => {
  const server = await startMetricsServer(t, { fill: { c1: 12.5, c2: 40 } });
  const watched = watch(t, server.url);
  await readingsReach(watched, 1);
  server.setFill('c1', 93.5);
  await until(() => !watched.monitor.healthy, 'the unhealthy verdict');
  const unhealthy = watched.readings.at(-1);
  t.equal(unhealthy?.reason, 'channel c1 at 93.5% > 90%', 'the reason names the channel, its fill and the limit');
  t.equal(unhealthy?.maxFill, 93.5);
  t.equal(unhealthy?.error, null, 'the poll itself succeeded');
  server.setFill('c1', 90);
  await until(() => watched.monitor.healthy, 'the healthy verdict again');
  t.equal(watched.readings.at(-1)?.reason, 'all channels at or below 90%', 'exactly at the limit is healthy');
  checkChangedFlags(t, watched);
  t.equal(watched.changes.filter(Boolean).length, 3, 'first reading, then one flip each way');
});

t.test('a channel of capacity 0 (not started) counts as full', async (t) => {
  const server = await startMetricsServer(t, { fill: { c1: 10 } });
  server.setChannel('c1', { capacity: 0, size: 0 });
  const watched = watch(t, server.url);
  await readingsReach(watched, 1);
  t.match(watched.readings[0], {
    healthy: false,
    maxFill: Number.MAX_VALUE,
    reason: 'channel c1 not started (capacity 0) > 90%',
  });
  t.equal(watched.changes[0], true, 'the first reading counts as a change');
});

t.test('an agent without channels is healthy: nothing to judge', async (t) => {
  const server = await startMetricsServer(t, { fill: {} });
  const watched = watch(t, server.url);
  await readingsReach(watched, 1);
  t.match(watched.readings[0], { healthy: true, channels: {}, maxFill: null, reason: 'no channels reported' });
});

const failures: Array<{ mode: MetricsServerMode; error: RegExp; timeoutMs?: number }> = [
  { mode: 'error500', error: /answered HTTP 500/ },
  { mode: 'garbage', error: /answered invalid JSON/ },
  { mode: 'huge', error: /body over 4194304 bytes/ },
  { mode: 'stall', error: /timed out after 100ms|Timeout/, timeoutMs: 100 },
];

for (const { mode, error, timeoutMs } of failures) {
  t.test(`${mode}: unhealthy only after 3 failed polls in a row, healthy again after a success`, async (t) => {
    const server = await startMetricsServer(t, { fill: { c1: 20 } });
    let failed = false;
    const watched = watch(t, server.url, {
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      // The first success switches the server to failing; the verdict of 3 failures switches it back.
      onEach: (reading) => {
        if (reading.error === null && reading.consecutiveFailures === 0 && server.mode === 'ok' && !failed) {
          server.mode = mode;
          failed = true;
        }
        if (reading.consecutiveFailures === 3) server.mode = 'ok';
      },
    });
    const recoveredAfterThree = (): boolean =>
      watched.readings.some((reading) => reading.consecutiveFailures === 3) && watched.readings.at(-1)?.error === null;
    await until(recoveredAfterThree, 'three failures and then a success', SLACK_MS * 2);
    const [ok, first, second, third, recovered] = watched.readings;
    t.match(ok, { healthy: true, consecutiveFailures: 0, error: null });
    t.match(first, { healthy: true, consecutiveFailures: 1, error });
    t.match(first?.reason, /^all channels at or below 90%; poll failed \(1 of 3 before unhealthy\): /);
    t.match(first?.channels, { c1: 20 }, 'channels stay those of the last successful poll');
    t.match(second, { healthy: true, consecutiveFailures: 2, error });
    t.match(third, { healthy: false, consecutiveFailures: 3, error });
    t.match(third?.reason, /^metrics unreachable for 3 polls: /);
    t.match(recovered, { healthy: true, consecutiveFailures: 0, error: null, reason: 'all channels at or below 90%' });
    checkChangedFlags(t, watched);
  });
}

t.test('a success between failures resets the count: never unhealthy', async (t) => {
  const server = await startMetricsServer(t, { fill: { c1: 20 } });
  server.mode = 'error500';
  let round = 0;
  const watched = watch(t, server.url, {
    onEach: (reading) => {
      if (reading.consecutiveFailures === 2) server.mode = 'ok';
      else if (reading.error === null) {
        round += 1;
        server.mode = 'error500';
      }
    },
  });
  await until(() => round >= 3, 'three rounds of two failures and a success', SLACK_MS * 2);
  t.ok(
    watched.readings.every((reading) => reading.healthy),
    'two failures in a row never make the host unhealthy',
  );
  t.same(
    watched.readings.slice(0, 6).map((reading) => reading.consecutiveFailures),
    [1, 2, 0, 1, 2, 0],
    'the count resets after each success',
  );
  t.match(watched.readings[0]?.reason, /^no successful poll yet; poll failed/);
});

t.test('a refused port: unhealthy after 3 failures, the error names the refusal', async (t) => {
  const port = await closedPort();
  const watched = watch(t, `http://${LOOPBACK}:${port}/metrics`);
  await readingsReach(watched, 3);
  const [first, , third] = watched.readings;
  t.match(first, { healthy: true, consecutiveFailures: 1, error: /ECONNREFUSED/ });
  t.match(third, {
    healthy: false,
    consecutiveFailures: 3,
    reason: /^metrics unreachable for 3 polls: .*ECONNREFUSED/,
  });
  t.same(watched.changes.slice(0, 3), [true, false, true]);
  t.same(third?.channels, {}, 'no successful poll, no channels');
  t.equal(third?.maxFill, null);
});

t.test('never more than one request in flight, even when the server stalls longer than the interval', async (t) => {
  const server = await startMetricsServer(t);
  server.mode = 'stall';
  const watched = watch(t, server.url, { intervalMs: 10, timeoutMs: 80 });
  await readingsReach(watched, 4);
  t.equal(server.maxInFlight, 1, 'the server never saw two requests open at once');
  t.ok(server.requests <= watched.readings.length + 1, 'a new request only after the last one ended');
});

t.test('stop() aborts a stalled request at once, and no request follows', async (t) => {
  const server = await startMetricsServer(t);
  server.mode = 'stall';
  const watched = watch(t, server.url, { timeoutMs: 60_000 });
  await until(() => server.inFlight === 1, 'the stalled request');
  await within(watched.monitor.stop(), SLACK_MS, 'stop() while a request stalls');
  await until(() => server.inFlight === 0, 'the server to see the request dropped');
  await pause(100);
  t.equal(server.requests, 1, 'no request after stop()');
  t.same(watched.readings, [], 'the aborted poll delivers no reading');
});

t.test(
  'stop() between polls: no request and no reading after it; idempotent; start() after it does nothing',
  async (t) => {
    const server = await startMetricsServer(t);
    const watched = watch(t, server.url);
    await readingsReach(watched, 2);
    await within(watched.monitor.stop(), SLACK_MS, 'stop()');
    const requests = server.requests;
    const readings = watched.readings.length;
    await within(watched.monitor.stop(), SLACK_MS, 'a second stop()');
    watched.monitor.start();
    await pause(120);
    t.equal(server.requests, requests, 'no request after stop(), over several intervals');
    t.equal(watched.readings.length, readings, 'onReading is not called after stop()');
  },
);

t.test('stop() before start(): nothing is ever requested', async (t) => {
  const server = await startMetricsServer(t);
  const monitor = new HealthMonitor({ url: server.url, intervalMs: 10, timeoutMs: 1000, maxChannelFill: 90 });
  await within(monitor.stop(), SLACK_MS, 'stop()');
  monitor.start();
  await pause(50);
  t.equal(server.requests, 0);
  t.equal(monitor.reading, null);
});

t.test('options that cannot work are refused at construction', async (t) => {
  const base = { url: 'http://127.0.0.1:1/metrics', intervalMs: 10, timeoutMs: 100, maxChannelFill: 90 };
  t.throws(() => new HealthMonitor({ ...base, url: 'ftp://127.0.0.1/metrics' }), RangeError);
  t.throws(() => new HealthMonitor({ ...base, url: 'not a url' }));
  t.throws(() => new HealthMonitor({ ...base, timeoutMs: 0 }), RangeError);
  t.throws(() => new HealthMonitor({ ...base, intervalMs: Number.NaN }), RangeError);
  t.throws(() => new HealthMonitor({ ...base, failuresBeforeUnhealthy: 0 }), RangeError);
});

/** Requests for paths other than /metrics get what Flume gives: the HTML page at "/", 404 elsewhere. */
t.test('the fixture answers like Flume outside /metrics', async (t) => {
  const server: MetricsServer = await startMetricsServer(t);
  const root = await fetch(server.url.replace('/metrics', '/'));
  t.equal(root.status, 200);
  t.match(await root.text(), /For Flume metrics please click/);
  const other = await fetch(server.url.replace('/metrics', '/other'));
  t.equal(other.status, 404);
  await other.text();
  const metrics = await fetch(server.url.replace('/metrics', '/METRICS?x=1'));
  t.equal(metrics.headers.get('content-type'), 'application/json;charset=utf-8');
  t.match(await metrics.json(), { 'CHANNEL.c1': { ChannelFillPercentage: '0.0', Type: 'CHANNEL' } });
  t.equal(server.requests, 1, 'only /metrics requests are counted');
});
