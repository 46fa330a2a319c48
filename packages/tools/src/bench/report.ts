import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { STEAL_LIMIT_PERCENT } from './host-steal.js';
import type { ResultTable, ScenarioResult, TargetVerdict } from './scenario.js';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
}

/** Figures mean little without the machine; this goes into every result file. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

/** The 1-minute load average: the only cheap sign that other work shared the machine with a run. */
export function loadAverage(): number {
  return os.loadavg()[0] ?? 0;
}

/** The note a result gets when other work competed for the CPUs during it. */
export const COMPETING_WORK_NOTE =
  'WARNING: other work was competing for the CPUs during this run; do not quote these figures';

/** The 1-minute load average before and after a run, the machine's core count, and the host's steal over the run. */
export interface LoadReading {
  before: number;
  after: number;
  cpus: number;
  /** Percent of the CPU time wanted during the run that the hypervisor gave to others (host-steal.ts); null: unknown. */
  stealPercent?: number | null;
}

/**
 * The bench itself keeps about two processes busy (client and server); a load well above the
 * core count means something else competed for the CPUs, and steal above the limit means another
 * guest on the host did: either way the figures are low and noisy.
 */
export function competingWork(load: LoadReading): boolean {
  return competition(load) !== null;
}

/** What competed with the run, in words, or null when nothing did (see competingWork). */
export function competition(load: LoadReading): string | null {
  return loadCompetition(load) ?? stealCompetition(load.stealPercent ?? null);
}

/** Work on this machine: a load average above the core count + 0.5, before or after. */
export function loadCompetition(load: LoadReading): string | null {
  const peak = Math.max(load.before, load.after);
  return peak > load.cpus + 0.5
    ? `load ${peak.toFixed(2)} on ${load.cpus} cpus (other work competed for the CPUs)`
    : null;
}

/** Work of other guests on the host: more than STEAL_LIMIT_PERCENT of the CPU time stolen. */
export function stealCompetition(stealPercent: number | null): string | null {
  return stealPercent !== null && stealPercent > STEAL_LIMIT_PERCENT
    ? `${stealPercent.toFixed(1)} % of CPU time stolen by the host, over ${STEAL_LIMIT_PERCENT} % (another guest competed for the CPUs)`
    : null;
}

/** The load and steal of a run in words: "load average 0.57 before, 1.63 after, on 2 cpus, 3.1 % of CPU time stolen by the host". */
export function describeLoad(load: LoadReading): string {
  const steal = load.stealPercent == null ? '' : `, ${load.stealPercent.toFixed(1)} % of CPU time stolen by the host`;
  return `load average ${load.before.toFixed(2)} before, ${load.after.toFixed(2)} after, on ${load.cpus} cpus${steal}`;
}

export function loadNotes(load: LoadReading): string[] {
  const notes = [`1-minute ${describeLoad(load)}`];
  if (competingWork(load)) notes.push(COMPETING_WORK_NOTE);
  return notes;
}

export function formatTable(table: ResultTable): string[] {
  const widths = table.columns.map((column, i) =>
    Math.max(column.length, ...table.rows.map((row) => (row[i] ?? '').length)),
  );
  // Numbers read best right-aligned; the first column is a label.
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(table.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...table.rows.map(line)];
}

function formatVerdicts(title: string, verdicts: TargetVerdict[]): string[] {
  if (verdicts.length === 0) return [];
  const mark = (ok: boolean | null): string => (ok === null ? '--' : ok ? 'ok' : 'NO');
  return [title, ...verdicts.map((v) => `  [${mark(v.ok)}] ${v.name}: ${v.detail}`)];
}

/** The plain-text report of one scenario, as printed to the log. */
export function formatResult(result: ScenarioResult, machine: MachineInfo = machineInfo()): string[] {
  return [
    `== ${result.scenario}${result.quick ? ' (quick: smoke figures only)' : ''} ==`,
    `machine: ${machine.cpus} cpus, ${machine.cpuModel}, node ${machine.node}`,
    ...formatTable(result.table),
    ...formatVerdicts('checks:', result.checks),
    ...formatVerdicts('targets:', result.targets),
    ...result.notes.map((note) => `note: ${note}`),
  ];
}

/** Writes `<outDir>/<scenario>[-quick].json` and returns its path. */
export async function writeResult(
  outDir: string,
  result: ScenarioResult,
  machine: MachineInfo = machineInfo(),
): Promise<string> {
  await mkdir(outDir, { recursive: true });
  // Quick runs get their own file so a smoke run never overwrites real figures.
  const file = path.join(outDir, `${result.scenario}${result.quick ? '-quick' : ''}.json`);
  await writeFile(file, `${JSON.stringify({ machine, ...result }, null, 2)}\n`);
  return file;
}
