import { performance } from 'node:perf_hooks';
import { AvroSourceServer } from '@flume-rpc/netty-compat';
import { listenRestartable } from './restartable-port.js';
/**
 * What every benchmark scenario provides and returns. A scenario is registered by name in
 * run.ts; report.ts prints and stores any ScenarioResult the same way.
 */
export interface ScenarioContext {
  /** Short windows and one round: a smoke run in seconds, not a figure to quote. */
  quick: boolean;
  log: (line: string) => void;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  run(context: ScenarioContext): Promise<ScenarioResult>;
}

/** A pass/fail line: correctness checks fail the run, targets only report. */
export interface Verdict {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * A target's outcome: met (true), missed (false), or not judged (null), for a run whose figures
 * cannot say either (a quick run, or one with other work competing for the CPUs).
 */
export interface TargetVerdict {
  name: string;
  ok: boolean | null;
  detail: string;
}

export interface ResultTable {
  columns: string[];
  rows: string[][];
}

export interface ScenarioResult {
  scenario: string;
  quick: boolean;
  startedAt: string;
  durationMs: number;
  /** The knobs the scenario ran with (window lengths, rounds, in-flight counts...). */
  settings: Record<string, unknown>;
  /** The human summary, printed and written to docs. */
  table: ResultTable;
  /** Correctness: any false here makes the run fail. */
  checks: Verdict[];
  /** Goals from the issue tracker: reported, never fatal. */
  targets: TargetVerdict[];
  notes: string[];
  /** Scenario-specific raw figures for later analysis. */
  data: unknown;
}

/** The fields of a ScenarioResult that each scenario fills in itself. */
export type ScenarioFindings = Omit<ScenarioResult, 'scenario' | 'quick' | 'startedAt' | 'durationMs'>;

/**
 * Starts a scenario's clock; `result()` adds what every scenario reports the same way (its name,
 * whether it ran quick, when it started and how long it took).
 */
export function startScenario(
  name: string,
  context: ScenarioContext,
): { result(findings: ScenarioFindings): ScenarioResult } {
  const startedAt = new Date().toISOString();
  const started = performance.now();
  return {
    result: (findings) => ({
      scenario: name,
      quick: context.quick,
      startedAt,
      durationMs: Math.round(performance.now() - started),
      ...findings,
    }),
  };
}

/** A table of one row, written as (column, value) pairs so a column and its value cannot drift apart. */
export function oneRowTable(cells: Array<[column: string, value: string | number]>): ResultTable {
  return { columns: cells.map(([column]) => column), rows: [cells.map(([, value]) => String(value))] };
}

/** The two accounting checks of a scenario with one client and one server in the process. */
export function deliveryChecks(
  serverAcknowledged: number,
  counters: { eventsReceived: number; eventsAcknowledged: number; eventsFailed: number },
): Verdict[] {
  return [
    {
      name: 'no acknowledged event lost',
      ok: serverAcknowledged === counters.eventsAcknowledged,
      detail: `server acknowledged ${serverAcknowledged}, client acknowledged ${counters.eventsAcknowledged}`,
    },
    {
      name: 'every event accounted for',
      ok: counters.eventsReceived === counters.eventsAcknowledged + counters.eventsFailed,
      detail: `received ${counters.eventsReceived} = acknowledged ${counters.eventsAcknowledged} + failed ${counters.eventsFailed}`,
    },
  ];
}

/** An AvroSourceServer in the bench's own process, on a loopback port it can listen on again after a close. */
export async function inProcessServer(): Promise<{ server: AvroSourceServer; port: number }> {
  const server = new AvroSourceServer();
  return { server, port: await listenRestartable((port) => server.listen(port, '127.0.0.1')) };
}
