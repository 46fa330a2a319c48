import { performance } from 'node:perf_hooks';
import { NettyAvroRpcClient } from '@flume-rpc/rpc-client';
import { BatchProducer, delay } from './handshake-stall.js';
import {
  type Scenario,
  type ScenarioContext,
  type ScenarioResult,
  type Verdict,
  oneRowTable,
  startScenario,
  inProcessServer,
} from './scenario.js';
import { median, ratio } from './figures.js';
import { standardWorkload } from './workload.js';

interface ResetSettings {
  /** Alternating windows without and with resets, each this many per side. */
  rounds: number;
  windowMs: number;
  /** reset-connection-interval of the resetting client: far shorter than anyone would set, to make resets frequent. */
  resetIntervalMs: number;
  /** Producers sharing the client, so calls are in flight whenever a reset swaps the connection. */
  producers: number;
}

const FULL: ResetSettings = { rounds: 3, windowMs: 2000, resetIntervalMs: 100, producers: 4 };
const QUICK: ResetSettings = { ...FULL, rounds: 1, windowMs: 400 };

export const connectionResetScenario: Scenario = {
  name: 'connection-reset',
  description:
    'reset-connection-interval under load: the same steady load with and without the connection replaced every 100 ms; throughput kept, calls failed',
  run: runConnectionReset,
};

interface Window {
  resetting: boolean;
  eventsPerSecond: number;
  resets: number;
  failedCalls: number;
}

/** One window of steady load on a fresh client: acknowledged events per second, resets, failures. */
async function measureWindow(
  port: number,
  resetIntervalMs: number,
  settings: ResetSettings,
  events: ReturnType<typeof standardWorkload>['events'],
): Promise<Window> {
  const client = new NettyAvroRpcClient({ host: '127.0.0.1', port, resetConnectionIntervalMs: resetIntervalMs });
  await client.connect();
  const producers = Array.from({ length: settings.producers }, () => new BatchProducer(client, events));
  try {
    const before = client.counters.eventsAcknowledged;
    const started = performance.now();
    await delay(settings.windowMs);
    const elapsedS = (performance.now() - started) / 1000;
    return {
      resetting: resetIntervalMs > 0,
      eventsPerSecond: (client.counters.eventsAcknowledged - before) / elapsedS,
      resets: client.counters.connectionResets,
      failedCalls: producers.reduce((sum, p) => sum + p.failures, 0),
    };
  } finally {
    await Promise.all(producers.map((p) => p.stop()));
    await client.close();
  }
}

async function runConnectionReset(context: ScenarioContext): Promise<ScenarioResult> {
  const settings = context.quick ? QUICK : FULL;
  const clock = startScenario(connectionResetScenario.name, context);
  const workload = standardWorkload();
  const { server, port } = await inProcessServer();
  const windows: Window[] = [];
  try {
    for (let round = 0; round < settings.rounds; round += 1) {
      // Alternated, so drift in the machine's load falls on both sides alike.
      for (const interval of [0, settings.resetIntervalMs]) {
        const window = await measureWindow(port, interval, settings, workload.events);
        windows.push(window);
        context.log(
          `round ${round + 1} ${window.resetting ? 'with' : 'without'} resets: ${Math.round(window.eventsPerSecond)} events/s, ${window.resets} resets, ${window.failedCalls} failed calls`,
        );
      }
    }
  } finally {
    await server.close();
  }
  const side = (resetting: boolean) => windows.filter((w) => w.resetting === resetting);
  const steady = median(side(false).map((w) => w.eventsPerSecond));
  const resetting = median(side(true).map((w) => w.eventsPerSecond));
  const resets = side(true).reduce((sum, w) => sum + w.resets, 0);
  const failed = windows.reduce((sum, w) => sum + w.failedCalls, 0);
  const kept = ratio(resetting, steady);
  const checks: Verdict[] = [
    {
      name: 'the connection was reset under load',
      ok: side(true).every((w) => w.resets > 0),
      detail: `${resets} resets in ${side(true).length} window(s)`,
    },
    { name: 'no call failed because of a reset', ok: failed === 0, detail: `${failed} failed calls` },
  ];
  const targets: Verdict[] = [
    {
      name: 'with a reset every 100 ms, at least 90% of the steady throughput',
      ok: kept >= 0.9,
      detail: `${(kept * 100).toFixed(0)}%`,
    },
  ];
  return clock.result({
    settings: { ...settings, batchSize: workload.batchSize, bodyBytes: workload.bodyBytes },
    table: oneRowTable([
      ['windows per side', settings.rounds],
      ['window ms', settings.windowMs],
      ['reset every ms', settings.resetIntervalMs],
      ['producers', settings.producers],
      ['events/s without resets', Math.round(steady)],
      ['events/s with resets', Math.round(resetting)],
      ['ratio', kept.toFixed(2)],
      ['resets', resets],
      ['failed calls', failed],
    ]),
    checks,
    targets,
    notes: [
      'the server runs in the client process; both sides of each round use a fresh client with default options apart from the interval',
      "Flume's Avro sink resets by closing its client and building a new one before its next batch, which waits for that connect; ours opens the new connection beside the old",
    ],
    data: { windows },
  });
}
