import type { ScenarioResult, Verdict } from './scenario.js';
import { STEAL_LIMIT_PERCENT, disturbedAbove } from './host-steal.js';
import type { LoadReading } from './report.js';
import { type Measurement, ROW_NAMES, type RowName, type WindowSettings } from './throughput-measure.js';
import { type ThroughputMedians, judgeThroughputTargets, trustNote } from './throughput-targets.js';
import type { Workload } from './workload.js';
import { formatMicros, formatPercent, formatRate, formatRatio, median, ratio } from './figures.js';

export interface ThroughputSettings extends WindowSettings {
  rounds: number;
  /** Up to this many more rounds while a row has too few measurements the host did not disturb (thinCells). */
  extraRounds?: number;
  inFlight: number[];
}

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
  /** The 1-minute load average before and after the run: a loaded run's targets are not judged. */
  load: LoadReading;
}

/** Pairs whose same-round ratios the notes list: the headline ones and those the targets judge. */
const PAIRS: ReadonlyArray<readonly [RowName, RowName]> = [
  ['ours', 'avsc'],
  ['client', 'avsc'],
  ['client', 'raw'],
  ['raw-encode', 'raw'],
  ['client', 'ours'],
  ['failover', 'client'],
  ['lb', 'client'],
  ['raw', 'avsc-server'],
];

/**
 * Which measurements the medians stand on: those that completed, and whose steal was not over the
 * disturbance limit of their in-flight count (host-steal.ts `disturbedAbove`) in this run.
 */
export function stealFilter(
  measurements: readonly Measurement[],
  inFlights: readonly number[],
): { usable: (m: Measurement) => boolean; disturbedBySteal: (m: Measurement) => boolean; limits: Map<number, number> } {
  const limits = new Map(
    inFlights.map((n) => [
      n,
      disturbedAbove(
        measurements.flatMap((m) => (m.inFlight === n && m.stealPercent !== null ? [m.stealPercent] : [])),
      ),
    ]),
  );
  const disturbedBySteal = (m: Measurement): boolean =>
    m.stealPercent !== null && m.stealPercent > (limits.get(m.inFlight) ?? STEAL_LIMIT_PERCENT);
  return { usable: (m) => m.error === null && !disturbedBySteal(m), disturbedBySteal, limits };
}

/** The rows at an in-flight count with fewer than `needed` usable measurements (stealFilter), as `row@n`. */
export function thinCells(
  measurements: readonly Measurement[],
  inFlights: readonly number[],
  needed: number,
): string[] {
  const { usable } = stealFilter(measurements, inFlights);
  return inFlights.flatMap((n) =>
    ROW_NAMES.filter(
      (row) => measurements.filter((m) => m.client === row && m.inFlight === n && usable(m)).length < needed,
    ).map((row) => `${row}@${n}`),
  );
}

/** Medians over rounds, ratios of medians, targets and checks: the scenario's result. */
export function summarise(run: ThroughputRun): ScenarioResult {
  const { settings, measurements } = run;
  const of = (row: RowName, inFlight: number): Measurement[] =>
    measurements.filter((m) => m.client === row && m.inFlight === inFlight);
  const { usable, disturbedBySteal, limits } = stealFilter(measurements, settings.inFlight);
  const usableOf = (row: RowName, inFlight: number): Measurement[] => of(row, inFlight).filter(usable);
  const medianOf = (row: RowName, inFlight: number, pick: (m: Measurement) => number): number =>
    median(usableOf(row, inFlight).map(pick));
  const perCell = <T>(value: (row: RowName, inFlight: number) => T): Record<string, T> =>
    Object.fromEntries(settings.inFlight.flatMap((n) => ROW_NAMES.map((row) => [`${row}@${n}`, value(row, n)])));
  const medians: ThroughputMedians = {
    rate: perCell((row, n) => medianOf(row, n, (m) => m.eventsPerSecond)),
    cpu: perCell((row, n) => medianOf(row, n, (m) => m.clientCpuMicrosPerBatch)),
    samples: perCell((row, n) => usableOf(row, n).length),
  };
  const disturbed = measurements.filter(disturbedBySteal).length;
  const stealLimits = settings.inFlight.map((n) => `${(limits.get(n) ?? 0).toFixed(0)} % at ${n} in flight`).join(', ');
  const rate = (row: RowName, inFlight: number): number => medians.rate[`${row}@${inFlight}`] ?? 0;
  const cpu = (row: RowName, inFlight: number): number => medians.cpu[`${row}@${inFlight}`] ?? 0;

  const rows = settings.inFlight.flatMap((inFlight) =>
    ROW_NAMES.map((row) => [
      String(inFlight),
      row === 'avsc-server' ? 'raw' : row,
      row === 'avsc-server' ? 'avsc' : 'ours',
      formatRate(rate(row, inFlight)),
      formatMicros(cpu(row, inFlight)),
      formatMicros(medianOf(row, inFlight, (m) => m.serverCpuMicrosPerBatch)),
      formatPercent(medianOf(row, inFlight, (m) => m.serverBusy)),
      `${usableOf(row, inFlight).length}/${of(row, inFlight).length}`,
      compared(row, {
        rate: (other) => ratio(rate(row, inFlight), rate(other, inFlight)),
        cpu: (other) => ratio(cpu(row, inFlight), cpu(other, inFlight)),
      }),
    ]),
  );

  const conditions = { quick: run.quick, load: run.load };
  const targets = run.judgeTargets ? judgeThroughputTargets(medians, conditions) : [];

  const notes = [
    `server: our AvroSourceServer in a child process; it ${run.serverKind}. ` +
      "The avsc-server row: the raw sender against avsc 5.7's services server in another child, which decodes " +
      'every event (avsc has no counting-only mode) and counts the events it answers OK',
    trustNote(conditions, disturbed, measurements.length, stealLimits),
  ];
  notes.push(
    ...settings.inFlight.flatMap((inFlight) => [
      ...ROW_NAMES.map(
        (row) =>
          `${row} at ${inFlight} in flight, per round: ${of(row, inFlight)
            .map((m) => formatRate(m.eventsPerSecond) + (usable(m) ? '' : ' (left out)'))
            .join(', ')} ev/s`,
      ),
      ...PAIRS.map(([a, b]) => pairedNote(a, of(a, inFlight), b, of(b, inFlight), inFlight)),
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
        'sender',
        'server',
        'ev/s',
        'client cpu/batch',
        'server cpu/batch',
        'server busy',
        'rounds used',
        'compared (same in-flight count)',
      ],
      rows,
    },
    checks: checks(measurements),
    targets,
    notes,
    // `medians` keyed client@inFlight is read by chart.ts for docs/benchmarks.svg: keep its shape.
    data: {
      medians: medians.rate,
      cpuMedians: medians.cpu,
      load: run.load,
      calibrationEventsPerSecond: run.calibration,
      measurements,
    },
  };
}

/** The row's ratios (of events/s, or of CPU per batch) to another row's at the same in-flight count. */
interface RatiosTo {
  rate(other: RowName): number;
  cpu(other: RowName): number;
}

/** The row's ratios to the rows it is measured against (those of the targets, and the headline ones). */
function compared(row: RowName, to: RatiosTo): string {
  switch (row) {
    case 'ours':
      return `${formatRatio(to.rate('avsc'))} avsc, ${formatPercent(to.rate('raw'))} of raw`;
    case 'avsc':
      return `${formatPercent(to.rate('raw'))} of raw`;
    case 'raw':
      return `our server ${formatRatio(to.rate('avsc-server'))} avsc's`;
    case 'raw-encode':
      return `${formatPercent(to.rate('raw'))} of raw, ${formatRatio(to.cpu('raw'))} raw's cpu`;
    case 'client':
      return (
        `${formatPercent(to.rate('raw'))} of raw, ${formatRatio(to.rate('ours'))} ours, ` +
        `${formatRatio(to.rate('avsc'))} avsc, ${formatRatio(to.cpu('raw-encode'))} raw-encode's cpu`
      );
    case 'failover':
    case 'lb':
      return `${formatRatio(to.rate('client'))} client`;
    case 'avsc-server':
      return `${formatPercent(to.rate('raw'))} of raw on ours`;
  }
}

/** Same-round pairs ran seconds apart, so their ratio is less exposed to drift than the medians'. */
function pairedNote(a: RowName, as: Measurement[], b: RowName, bs: Measurement[], inFlight: number): string {
  const ratios = as.map((m) => ratio(m.eventsPerSecond, bs.find((o) => o.round === m.round)?.eventsPerSecond ?? 0));
  return `${a}/${b} at ${inFlight} in flight, per round: ${ratios.map(formatRatio).join(', ')} (median ${formatRatio(median(ratios))})`;
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
