import { readCpuTicks, stealPercent } from './host-steal.js';
import { type MachineInfo, formatResult, loadAverage, loadNotes, machineInfo, writeResult } from './report.js';
import type { Scenario, ScenarioResult } from './scenario.js';
import { chaosScenario } from './chaos.js';
import { connectionResetScenario } from './connection-reset.js';
import { failoverScenario } from './failover.js';
import { latencyScenario } from './latency.js';
import { memoryScenario } from './memory.js';
import { regenerateBenchChart } from './chart.js';
import { refuseDocsAfterRun, refuseDocsBeforeRun } from './docs-update.js';
import { recoveryScenario } from './recovery.js';
import { throughputBuildingScenario, throughputScenario } from './throughput.js';
import { throughputWireScenario } from './throughput-wire.js';
import { throughputHttpScenario } from './throughput-http.js';

/**
 * Every scenario by name. A new scenario ('recovery', 'failover', 'latency', 'memory') is one
 * file exporting a Scenario and one line here; runBench, main.ts and the report need no change.
 */
export const SCENARIOS: ReadonlyMap<string, Scenario> = new Map([
  [throughputScenario.name, throughputScenario],
  [throughputBuildingScenario.name, throughputBuildingScenario],
  [throughputWireScenario.name, throughputWireScenario],
  [throughputHttpScenario.name, throughputHttpScenario],
  [recoveryScenario.name, recoveryScenario],
  [failoverScenario.name, failoverScenario],
  [latencyScenario.name, latencyScenario],
  [memoryScenario.name, memoryScenario],
  [chaosScenario.name, chaosScenario],
  [connectionResetScenario.name, connectionResetScenario],
]);

export interface BenchOptions {
  scenarios: string[];
  quick: boolean;
  /** Where result files go; `bench-results` at the cwd by convention (git-ignored). */
  outDir: string;
  log: (line: string) => void;
  /** Redraw docs/benchmarks.svg from this run (a full run on an idle machine only); default false. */
  updateDocs?: boolean;
}

export interface BenchSummary {
  machine: MachineInfo;
  results: ScenarioResult[];
  /** One JSON file per scenario run. */
  files: string[];
  /** False when any scenario's correctness check failed (targets missed do not count). */
  ok: boolean;
  /** Why --update-docs was refused (before the run: then nothing ran), or null. */
  docsRefusal: string | null;
}

/** Runs the named scenarios in order (all registered ones when the list is empty). */
export async function runBench(options: BenchOptions): Promise<BenchSummary> {
  const names = options.scenarios.length > 0 ? options.scenarios : [...SCENARIOS.keys()];
  // Every name is checked before anything runs, so a typo does not cost a minute of benchmarking first.
  const unknown = names.filter((name) => !SCENARIOS.has(name));
  if (unknown.length > 0) {
    throw new Error(`Unknown scenario ${unknown.join(', ')}; known: ${[...SCENARIOS.keys()].join(', ')}`);
  }
  const machine = machineInfo();
  const refusedBefore = options.updateDocs ? refuseDocsBeforeRun(machine, options.quick, loadAverage()) : null;
  if (refusedBefore) return { machine, results: [], files: [], ok: true, docsRefusal: refusedBefore };
  const results: ScenarioResult[] = [];
  const files: string[] = [];
  for (const name of names) {
    const loadBefore = loadAverage();
    const ticksBefore = readCpuTicks();
    const result = await SCENARIOS.get(name)!.run({ quick: options.quick, log: options.log });
    const stolen = stealPercent(ticksBefore, readCpuTicks());
    result.notes.push(
      ...loadNotes({ before: loadBefore, after: loadAverage(), cpus: machine.cpus, stealPercent: stolen }),
    );
    results.push(result);
    for (const line of formatResult(result, machine)) options.log(line);
    const file = await writeResult(options.outDir, result, machine);
    files.push(file);
    options.log(`wrote ${file}`);
  }
  const ok = results.every((result) => result.checks.every((check) => check.ok));
  const docsRefusal = options.updateDocs ? refuseDocsAfterRun(results) : null;
  if (options.updateDocs && !docsRefusal)
    await regenerateBenchChart(options.outDir, options.log); // docs/benchmarks.svg
  else if (!options.updateDocs && !options.quick)
    options.log('docs/benchmarks.svg left as it is (--update-docs redraws it from this run)');
  return { machine, results, files, ok, docsRefusal };
}
