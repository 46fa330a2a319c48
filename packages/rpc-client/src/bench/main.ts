/**
 * Minimal entry until the `flume-rpc bench` CLI wraps runBench:
 *   node packages/rpc-client/dist/bench/main.js [--quick] [--scenario throughput]... [--out dir]
 * Exits 1 when a correctness check fails or the run breaks; missed performance targets only print.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runBench } from './run.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      scenario: { type: 'string', multiple: true, default: [] },
      out: { type: 'string', default: 'bench-results' },
    },
    strict: true,
  });
  const summary = await runBench({
    scenarios: values.scenario ?? [],
    quick: values.quick ?? false,
    outDir: path.resolve(values.out ?? 'bench-results'),
    log: (line) => console.log(line),
  });
  return summary.ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
