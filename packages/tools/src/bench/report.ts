import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
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

/** The 1-minute load average before and after a run, and the machine's core count. */
export interface LoadReading {
  before: number;
  after: number;
  cpus: number;
}

/**
 * The bench itself keeps about two processes busy (client and server); a load well above the
 * core count means something else competed for the CPUs and the figures are low and noisy.
 */
export function competingWork(load: LoadReading): boolean {
  return Math.max(load.before, load.after) > load.cpus + 0.5;
}

export function loadNotes(machine: MachineInfo, before: number, after: number): string[] {
  const notes = [
    `1-minute load average ${before.toFixed(2)} before, ${after.toFixed(2)} after, on ${machine.cpus} cpus`,
  ];
  if (competingWork({ before, after, cpus: machine.cpus })) {
    notes.push(COMPETING_WORK_NOTE);
  }
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
