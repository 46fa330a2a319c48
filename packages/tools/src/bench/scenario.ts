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
  targets: Verdict[];
  notes: string[];
  /** Scenario-specific raw figures for later analysis. */
  data: unknown;
}
