import type { ScenarioResult, Verdict } from './scenario.js';
import { CLIENT_NAMES, type ClientName, type Measurement, type WindowSettings } from './throughput-measure.js';
import type { Workload } from './workload.js';
import { formatMicros, formatPercent, formatRate, formatRatio, median, ratio } from './figures.js';

export interface ThroughputSettings extends WindowSettings {
  rounds: number;
  inFlight: number[];
}

/** From the issue: ours >= 1.3x avsc at every in-flight count, ours >= 60% of raw at 8 in flight. */
const TARGET_VS_AVSC = 1.3;
const TARGET_VS_RAW = 0.6;
const TARGET_VS_RAW_IN_FLIGHT = 8;

export interface ThroughputRun {
  scenario: string;
  /** False for an informational variant: the targets are judged on the main scenario only. */
  judgeTargets: boolean;
  /** What the server does with events, for the notes. */
  serverKind: string;
  quick: boolean;
  settings: ThroughputSettings;
  workload: Workload;
  startedAt: Date;
  durationMs: number;
  measurements: Measurement[];
  /** calibrateEncode() before and after the run, events/s. */
  calibration: readonly [number, number];
}

/** Medians over rounds, ratios of medians, targets and checks: the scenario's result. */
export function summarise(run: ThroughputRun): ScenarioResult {
  const { settings, measurements } = run;
  const of = (client: ClientName, inFlight: number): Measurement[] =>
    measurements.filter((m) => m.client === client && m.inFlight === inFlight);
  const medianOf = (client: ClientName, inFlight: number, pick: (m: Measurement) => number): number =>
    median(
      of(client, inFlight)
        .filter((m) => m.error === null)
        .map(pick),
    );
  const rate = (client: ClientName, inFlight: number): number => medianOf(client, inFlight, (m) => m.eventsPerSecond);
  const cpu = (client: ClientName, inFlight: number): number =>
    medianOf(client, inFlight, (m) => m.clientCpuMicrosPerBatch);

  const rows = settings.inFlight.map((inFlight) => {
    const [ours, avsc, raw, client] = [
      rate('ours', inFlight),
      rate('avsc', inFlight),
      rate('raw', inFlight),
      rate('client', inFlight),
    ];
    return [
      String(inFlight),
      formatRate(ours),
      formatRate(avsc),
      formatRate(raw),
      formatRatio(ratio(ours, avsc)),
      formatPercent(ratio(ours, raw)),
      formatPercent(ratio(avsc, raw)),
      formatMicros(cpu('ours', inFlight)),
      formatMicros(cpu('avsc', inFlight)),
      formatMicros(cpu('raw', inFlight)),
      formatRate(client),
      formatRatio(ratio(client, avsc)),
      formatMicros(cpu('client', inFlight)),
    ];
  });

  const targets = run.judgeTargets ? judgeTargets(settings.inFlight, rate) : [];

  const notes = [`server: our AvroSourceServer in a child process; it ${run.serverKind}`];
  notes.push(
    ...settings.inFlight.flatMap((inFlight) => [
      ...CLIENT_NAMES.map(
        (client) =>
          `${client} at ${inFlight} in flight, per round: ${of(client, inFlight)
            .map((m) => formatRate(m.eventsPerSecond))
            .join(', ')} ev/s;` +
          ` server busy ${formatPercent(medianOf(client, inFlight, (m) => m.serverBusy))}, server cpu ${formatMicros(medianOf(client, inFlight, (m) => m.serverCpuMicrosPerBatch))}/batch`,
      ),
      pairedNote('ours', of('ours', inFlight), of('avsc', inFlight), inFlight),
      pairedNote('client', of('client', inFlight), of('avsc', inFlight), inFlight),
    ]),
  );
  notes.push(
    `host calibration (avsc toBuffer of the batch, one core): ${formatRate(run.calibration[0])} ev/s before, ${formatRate(run.calibration[1])} after`,
  );

  return {
    scenario: run.scenario,
    quick: run.quick,
    startedAt: run.startedAt.toISOString(),
    durationMs: Math.round(run.durationMs),
    settings: {
      ...settings,
      batchSize: run.workload.batchSize,
      bodyBytes: run.workload.bodyBytes,
      headers: Object.keys(run.workload.events[0]?.headers ?? {}),
    },
    table: {
      columns: [
        'in flight',
        'ours ev/s',
        'avsc ev/s',
        'raw ev/s',
        'ours/avsc',
        'ours/raw',
        'avsc/raw',
        'ours cpu/batch',
        'avsc cpu/batch',
        'raw cpu/batch',
        'client ev/s',
        'client/avsc',
        'client cpu/batch',
      ],
      rows,
    },
    checks: checks(measurements),
    targets,
    notes,
    // `medians` keyed client@inFlight is read by chart.ts for docs/benchmarks.svg: keep its shape.
    data: {
      medians: Object.fromEntries(settings.inFlight.flatMap((n) => CLIENT_NAMES.map((c) => [`${c}@${n}`, rate(c, n)]))),
      calibrationEventsPerSecond: run.calibration,
      measurements,
    },
  };
}

/** The targets, from the median rates. */
function judgeTargets(inFlights: number[], rate: (client: ClientName, inFlight: number) => number): Verdict[] {
  const targets = inFlights.map((inFlight) => {
    const r = ratio(rate('ours', inFlight), rate('avsc', inFlight));
    return {
      name: `ours >= ${TARGET_VS_AVSC}x avsc at ${inFlight} in flight`,
      ok: r >= TARGET_VS_AVSC,
      detail: formatRatio(r),
    };
  });
  const vsRaw = ratio(rate('ours', TARGET_VS_RAW_IN_FLIGHT), rate('raw', TARGET_VS_RAW_IN_FLIGHT));
  targets.push({
    name: `ours >= ${TARGET_VS_RAW * 100}% of raw at ${TARGET_VS_RAW_IN_FLIGHT} in flight`,
    ok: vsRaw >= TARGET_VS_RAW,
    detail: formatPercent(vsRaw),
  });
  return targets;
}

/** Same-round pairs ran seconds apart, so their ratio is less exposed to drift than the medians'. */
function pairedNote(name: ClientName, ours: Measurement[], avsc: Measurement[], inFlight: number): string {
  const ratios = ours.map((m, i) => ratio(m.eventsPerSecond, avsc[i]?.eventsPerSecond ?? 0));
  return `${name}/avsc at ${inFlight} in flight, per round: ${ratios.map(formatRatio).join(', ')} (median ${formatRatio(median(ratios))})`;
}

export function checks(measurements: Measurement[]): Verdict[] {
  const failed = measurements.filter((m) => m.error !== null);
  const short = measurements.filter((m) => m.serverAcknowledgedEvents < m.clientAcknowledgedEvents);
  const sum = (pick: (m: Measurement) => number): number => measurements.reduce((total, m) => total + pick(m), 0);
  return [
    {
      name: 'every measurement completed without error',
      ok: failed.length === 0,
      detail:
        failed.length === 0
          ? `${measurements.length} measurements`
          : failed.map((m) => `${m.client}@${m.inFlight} round ${m.round + 1}: ${m.error}`).join('; '),
    },
    {
      name: 'server acknowledged >= client-counted acknowledged events, per measurement',
      ok: short.length === 0,
      detail: `server ${sum((m) => m.serverAcknowledgedEvents)} >= clients ${sum((m) => m.clientAcknowledgedEvents)} events in total; ${short.length} measurement(s) short`,
    },
  ];
}
