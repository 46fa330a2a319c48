import { performance } from 'node:perf_hooks';
import { calibrateEncode } from './calibrate.js';
import type { Scenario, ScenarioContext, ScenarioResult } from './scenario.js';
import { startServerProcess } from './server-process.js';
import { machineInfo, loadAverage } from './report.js';
import { type Measurement, ROW_NAMES, measureRow } from './throughput-measure.js';
import { formatRate } from './figures.js';
import { type ThroughputSettings, summarise, thinCells } from './throughput-summary.js';
import { MIN_UNDISTURBED } from './throughput-targets.js';
import { standardWorkload } from './workload.js';
import { readCpuTicks, stealPercent } from './host-steal.js';

// Full: 5 rounds x 2 in-flight counts x 7 rows x ~2.5 s, about 3 minutes. On this 2-core VM single
// windows of the same client vary by up to +-25%; five short rounds give a steadier median than
// three long ones. Quick: about 3 s. maxRequests is far above what 2 s can reach (~20k requests).
export const FULL: ThroughputSettings = {
  rounds: 5,
  extraRounds: 4,
  inFlight: [1, 8],
  warmupMs: 400,
  windowMs: 2000,
  maxRequests: 200_000,
  drainTimeoutMs: 5000,
};
export const QUICK: ThroughputSettings = {
  rounds: 1,
  inFlight: [1, 8],
  warmupMs: 150,
  windowMs: 300,
  maxRequests: 20_000,
  drainTimeoutMs: 5000,
};

/** Fewer rounds for the informational variant: its figures back a comparison, not a target. */
const FULL_BUILDING: ThroughputSettings = { ...FULL, rounds: 3, extraRounds: 0 };

/**
 * Against the counting server (no handler: events checked and counted, never built), which
 * costs less per batch than any client, so the clients' own costs decide the rates. The issue's
 * targets are judged here.
 */
export const throughputScenario: Scenario = {
  name: 'throughput',
  description:
    "appendBatch events/s at 1 and 8 in flight: our Transceiver, client, failover and lb clients vs the avsc client and pre-encoded frames; our server vs avsc's",
  run: (context) =>
    runThroughput(context, { scenario: 'throughput', buildEvents: false, full: FULL, judgeTargets: true }),
};

/**
 * The same clients against a server that builds every event, as a Flume source deserialises
 * them: the server is then the bottleneck and the rates say what a busy agent allows.
 */
export const throughputBuildingScenario: Scenario = {
  name: 'throughput-building',
  description: 'the throughput scenario against a server that builds every event (server-bound; informational)',
  run: (context) =>
    runThroughput(context, {
      scenario: 'throughput-building',
      buildEvents: true,
      full: FULL_BUILDING,
      judgeTargets: false,
    }),
};

interface ThroughputVariant {
  scenario: string;
  buildEvents: boolean;
  full: ThroughputSettings;
  judgeTargets: boolean;
}

async function runThroughput(context: ScenarioContext, variant: ThroughputVariant): Promise<ScenarioResult> {
  const settings = context.quick ? QUICK : variant.full;
  const loadBefore = loadAverage();
  const ticksBefore = readCpuTicks();
  const startedAt = new Date();
  const t0 = performance.now();
  const workload = standardWorkload();
  const measurements: Measurement[] = [];
  const calibrationBefore = calibrateEncode(workload);
  const ours = await startServerProcess({ buildEvents: variant.buildEvents });
  const avsc = await startServerProcess({ source: 'avsc' }).catch(async (err: unknown) => {
    await ours.stop();
    throw err;
  });
  const serverKind = variant.buildEvents ? 'builds every event' : 'checks and counts events';
  context.log(
    `${variant.scenario}: our server pid ${ours.pid} on 127.0.0.1:${ours.port} (${serverKind}), avsc's pid ${avsc.pid} on 127.0.0.1:${avsc.port}; ${settings.rounds} round(s) of ${settings.windowMs} ms windows`,
  );
  const width = Math.max(...ROW_NAMES.map((row) => row.length));
  try {
    const maxRounds = settings.rounds + (settings.extraRounds ?? 0);
    for (let round = 0; round < maxRounds; round += 1) {
      if (round >= settings.rounds) {
        const thin = thinCells(measurements, settings.inFlight, MIN_UNDISTURBED);
        if (thin.length === 0) break;
        context.log(`  round ${round + 1} added: too few measurements undisturbed by host steal of ${thin.join(', ')}`);
      }
      for (const inFlight of settings.inFlight) {
        // Rotating the order each round keeps any drift (thermal, GC, neighbours) off one client.
        for (const row of rotate(ROW_NAMES, round)) {
          const m = await measureRow({ ours, avsc }, workload, row, inFlight, round, settings);
          measurements.push(m);
          context.log(
            `  round ${round + 1} in-flight ${inFlight} ${row.padEnd(width)} ${formatRate(m.eventsPerSecond).padStart(8)} ev/s` +
              ` client cpu ${m.clientCpuMicrosPerBatch.toFixed(0)} µs/batch, server busy ${(m.serverBusy * 100).toFixed(0)}%` +
              (m.stealPercent === null ? '' : `, steal ${m.stealPercent.toFixed(0)}%`) +
              ` (client acked ${m.clientAcknowledgedEvents}, server acked ${m.serverAcknowledgedEvents}${m.error ? `; ERROR ${m.error}` : ''})`,
          );
        }
      }
    }
  } finally {
    await Promise.all([ours.stop(), avsc.stop()]);
  }
  const calibration = [calibrationBefore, calibrateEncode(workload)] as const;
  const load = {
    before: loadBefore,
    after: loadAverage(),
    cpus: machineInfo().cpus,
    stealPercent: stealPercent(ticksBefore, readCpuTicks()),
  };
  return summarise({
    scenario: variant.scenario,
    judgeTargets: variant.judgeTargets,
    serverKind,
    quick: context.quick,
    settings,
    workload,
    startedAt,
    durationMs: performance.now() - t0,
    measurements,
    calibration,
    load,
  });
}

export function rotate<T>(items: readonly T[], by: number): T[] {
  const n = by % items.length;
  return [...items.slice(n), ...items.slice(0, n)];
}
