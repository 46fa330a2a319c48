import { performance } from 'node:perf_hooks';
import { NettyAvroRpcClient } from '@flume-rpc/rpc-client';
import { type OpenLoopResult, runOpenLoop } from './open-loop.js';
import type { Scenario, ScenarioContext, ScenarioResult, Verdict } from './scenario.js';
import { type ServerProcess, startServerProcess } from './server-process.js';
import { type Workload, standardWorkload, workloadSettings } from './workload.js';

interface LatencySettings {
  /** Offered batches per second, one open-loop run each. */
  rates: number[];
  /** Same schedule, not recorded: connection, JIT and socket buffers settle first. */
  warmupMs: number;
  durationMs: number;
  /** Above the request timeout, so that every call has ended one way or the other. */
  drainTimeoutMs: number;
  /** The client as an application would configure it; maxInflight/maxPending are the defaults. */
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxInflight: number;
  maxPending: number;
}

// Full: 2 rates x (0.5 s + 3 s), 1500 and 6000 recorded batches: enough for a p99.9 over 1000
// samples at the lower rate. Quick: 0.5 s per rate (250 and 1000 batches), a smoke run only.
const FULL: LatencySettings = {
  rates: [500, 2000],
  warmupMs: 500,
  durationMs: 3000,
  drainTimeoutMs: 12_000,
  connectTimeoutMs: 5000,
  requestTimeoutMs: 10_000,
  maxInflight: 8,
  maxPending: 1000,
};
const QUICK: LatencySettings = { ...FULL, warmupMs: 100, durationMs: 500 };

/**
 * The client kept up when the last batch was acknowledged within this long after its slot: a
 * client slower than the offered rate builds a backlog that grows through the whole run.
 */
const BACKLOG_BOUND_MS = 100;

export const latencyScenario: Scenario = {
  name: 'latency',
  description:
    'appendBatch latency percentiles (HDR histogram, microseconds) at fixed offered rates, open loop, server in a child process',
  run: runLatency,
};

interface RateRun {
  rate: number;
  loop: OpenLoopResult;
  clientAcknowledgedEvents: number;
  clientFailedEvents: number;
  clientReceivedEvents: number;
  serverAcknowledgedEvents: number;
}

async function runLatency(context: ScenarioContext): Promise<ScenarioResult> {
  const settings = context.quick ? QUICK : FULL;
  const startedAt = new Date();
  const t0 = performance.now();
  const workload = standardWorkload();
  const runs: RateRun[] = [];
  const server = await startServerProcess();
  context.log(
    `latency: server pid ${server.pid} on 127.0.0.1:${server.port}; rates ${settings.rates.join(', ')} batches/s, ${settings.durationMs} ms each`,
  );
  try {
    for (const rate of settings.rates) {
      const run = await measureRate(server, workload, rate, settings);
      runs.push(run);
      const s = run.loop.responseUs.summary;
      context.log(
        `  ${rate} batches/s: p50 ${s.p50} us, p99 ${s.p99} us, p99.9 ${s.p99_9} us, max ${s.max} us (${run.loop.completed} ok, ${run.loop.failed} failed)`,
      );
    }
  } finally {
    await server.stop();
  }
  return summarise(context.quick, settings, workload, startedAt, performance.now() - t0, runs);
}

/** One fresh client per rate: warm-up at the same rate, then the recorded schedule. */
async function measureRate(
  server: ServerProcess,
  workload: Workload,
  rate: number,
  settings: LatencySettings,
): Promise<RateRun> {
  const before = (await server.stats()).eventsAcknowledged;
  const client = new NettyAvroRpcClient({
    host: '127.0.0.1',
    port: server.port,
    connectTimeoutMs: settings.connectTimeoutMs,
    requestTimeoutMs: settings.requestTimeoutMs,
    maxInflight: settings.maxInflight,
    maxPending: settings.maxPending,
  });
  let loop: OpenLoopResult;
  try {
    await client.connect();
    const send = (): Promise<void> => client.appendBatch(workload.events);
    const warm = await runOpenLoop(send, {
      ratePerSecond: rate,
      durationMs: settings.warmupMs,
      drainTimeoutMs: settings.drainTimeoutMs,
    });
    warm.responseUs.destroy();
    warm.serviceUs.destroy();
    loop = await runOpenLoop(send, {
      ratePerSecond: rate,
      durationMs: settings.durationMs,
      drainTimeoutMs: settings.drainTimeoutMs,
    });
  } finally {
    await client.close();
  }
  const counters = client.counters;
  return {
    rate,
    loop,
    clientAcknowledgedEvents: counters.eventsAcknowledged,
    clientFailedEvents: counters.eventsFailed,
    clientReceivedEvents: counters.eventsReceived,
    serverAcknowledgedEvents: (await server.stats()).eventsAcknowledged - before,
  };
}

function summarise(
  quick: boolean,
  settings: LatencySettings,
  workload: Workload,
  startedAt: Date,
  durationMs: number,
  runs: RateRun[],
): ScenarioResult {
  // From the last slot of the schedule to the last acknowledgement.
  const tailMs = (r: RateRun): number => r.loop.elapsedMs - ((r.loop.scheduled - 1) * 1000) / r.rate;
  const rows = runs.map((r) => {
    const s = r.loop.responseUs.summary;
    return [
      String(r.rate),
      String(r.rate * workload.batchSize),
      String(r.loop.scheduled),
      String(r.loop.failed + r.loop.outstanding),
      String(s.p50),
      String(s.p99),
      String(s.p99_9),
      String(s.max),
      String(r.loop.serviceUs.summary.p50),
      String(r.loop.serviceUs.summary.p99_9),
    ];
  });
  const checks: Verdict[] = [
    {
      name: 'every batch settled (acknowledged or failed) within the drain bound',
      ok: runs.every((r) => r.loop.outstanding === 0 && r.loop.completed + r.loop.failed === r.loop.scheduled),
      detail: runs
        .map(
          (r) =>
            `${r.rate}/s: ${r.loop.completed} ok + ${r.loop.failed} failed of ${r.loop.scheduled}, ${r.loop.outstanding} outstanding`,
        )
        .join('; '),
    },
    {
      name: 'every event accounted for (client counters)',
      ok: runs.every((r) => r.clientReceivedEvents === r.clientAcknowledgedEvents + r.clientFailedEvents),
      detail: runs
        .map(
          (r) =>
            `${r.rate}/s: received ${r.clientReceivedEvents} = acknowledged ${r.clientAcknowledgedEvents} + failed ${r.clientFailedEvents}`,
        )
        .join('; '),
    },
    {
      name: 'server acknowledged = client acknowledged, per rate',
      ok: runs.every((r) => r.serverAcknowledgedEvents === r.clientAcknowledgedEvents),
      detail: runs
        .map((r) => `${r.rate}/s: server ${r.serverAcknowledgedEvents}, client ${r.clientAcknowledgedEvents}`)
        .join('; '),
    },
  ];
  // A target, not a check: a client that falls behind (a busy machine) refuses calls past
  // max-pending with ClientBusyError by design; that is backpressure, not a lost event.
  const targets: Verdict[] = runs.map((r) => ({
    name: `no batch failed at ${r.rate} batches/s`,
    ok: r.loop.failed === 0,
    detail: `${r.loop.failed} failed${r.loop.firstError ? `, first error: ${r.loop.firstError}` : ''}`,
  }));
  targets.push(
    ...runs.map((r) => ({
      name: `kept up with ${r.rate} batches/s (last batch acknowledged within ${BACKLOG_BOUND_MS} ms of its slot)`,
      ok: tailMs(r) <= BACKLOG_BOUND_MS,
      detail: `${tailMs(r).toFixed(1)} ms; the latest send went out ${r.loop.maxIssueLagMs.toFixed(1)} ms after its slot`,
    })),
  );
  return {
    scenario: 'latency',
    quick,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(durationMs),
    settings: { ...settings, ...workloadSettings(workload) },
    table: {
      columns: [
        'batches/s',
        'events/s',
        'batches',
        'failed',
        'p50 us',
        'p99 us',
        'p99.9 us',
        'max us',
        'p50 from call us',
        'p99.9 from call us',
      ],
      rows,
    },
    checks,
    targets,
    notes: [
      'open loop: sends are scheduled at fixed intervals and each latency runs from its scheduled slot, so client stalls are counted (no coordinated omission)',
      '"from call" figures run from the moment appendBatch was actually called (waits in the client\'s own queue still count): the gap to the slot-based ones is the time sends waited for a late timer',
      'Node timers fire at millisecond granularity, so a send can go out up to about 1 ms after its slot even on an idle machine; that is counted, as a timer-driven application would see it',
      'percentiles cover acknowledged batches only; failed ones are counted in the "failed" column',
      `one NettyAvroRpcClient per rate (max-inflight ${settings.maxInflight}, max-pending ${settings.maxPending}); server in a child process; HDR histogram (hdr-histogram-js), 3 significant digits`,
    ],
    data: runs.map((r) => ({
      rate: r.rate,
      scheduled: r.loop.scheduled,
      completed: r.loop.completed,
      failed: r.loop.failed,
      outstanding: r.loop.outstanding,
      elapsedMs: r.loop.elapsedMs,
      maxIssueLagMs: r.loop.maxIssueLagMs,
      responseUs: { ...r.loop.responseUs.summary, mean: r.loop.responseUs.mean },
      serviceUs: { ...r.loop.serviceUs.summary, mean: r.loop.serviceUs.mean },
      clientAcknowledgedEvents: r.clientAcknowledgedEvents,
      serverAcknowledgedEvents: r.serverAcknowledgedEvents,
    })),
  };
}
