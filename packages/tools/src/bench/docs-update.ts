import { COMPETING_WORK_NOTE, type MachineInfo } from './report.js';

/**
 * When a benchmark run may rewrite the committed figures (docs/benchmarks.svg): only when asked
 * (--update-docs), only from a full run, and only on a machine that was otherwise idle. The
 * bench's own client and server keep about two cores busy, so other work that already loads
 * half the cores before the run starts would make every figure low and noisy.
 */

/** Refuse above this 1-minute load average per CPU before the run (1.0 on 2 cores). */
export const DOCS_MAX_LOAD_PER_CPU = 0.5;
/** Overrides the limit with an absolute load average (a machine you know better). */
export const DOCS_MAX_LOAD_ENV = 'FLUME_RPC_BENCH_MAX_LOAD';

export function docsLoadLimit(machine: MachineInfo, env: NodeJS.ProcessEnv = process.env): number {
  const override = env[DOCS_MAX_LOAD_ENV];
  if (override !== undefined && override.trim() !== '' && Number.isFinite(Number(override))) return Number(override);
  return DOCS_MAX_LOAD_PER_CPU * machine.cpus;
}

/** Why the docs must not be updated from a run about to start, or null when they may. */
export function refuseDocsBeforeRun(
  machine: MachineInfo,
  quick: boolean,
  load: number,
  limit = docsLoadLimit(machine),
): string | null {
  if (quick) return '--update-docs needs a full run: --quick figures are never written to docs/';
  if (load > limit) {
    return (
      `refusing to update docs/: the 1-minute load average is ${load.toFixed(2)} on ${machine.cpus} cpus ` +
      `(limit ${limit.toFixed(2)}, ${DOCS_MAX_LOAD_ENV} to change it); other work would skew the figures. ` +
      'Nothing was run: wait for the machine to be idle and try again'
    );
  }
  return null;
}

/** Why the docs must not be updated from a run that ended (a scenario's notes flagged competing work), or null. */
export function refuseDocsAfterRun(results: ReadonlyArray<{ scenario: string; notes: string[] }>): string | null {
  const loaded = results.filter((result) => result.notes.includes(COMPETING_WORK_NOTE));
  if (loaded.length === 0) return null;
  return `docs/ not updated: other work competed for the CPUs during ${loaded.map((r) => r.scenario).join(', ')}; the result files are written, the chart is left as it was`;
}
