import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { runCli } from '../cli/helpers.js';

// The benchmark's quick mode, run as `npm run bench` runs it, proves every scenario works end to
// end. Its figures are not asserted (tests never assert speed); its correctness checks are.
interface Result {
  scenario: string;
  quick: boolean;
  checks: Array<{ name: string; ok: boolean; detail: string }>;
  table: { columns: string[]; rows: string[][] };
}

t.test('flume-rpc bench --quick runs every scenario and passes its correctness checks', async (t) => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'flume-rpc-bench-'));
  t.teardown(() => rm(out, { recursive: true, force: true }));
  const exit = await runCli(t, ['bench', '--quick', '--out', out], { timeoutMs: 100_000 });
  t.equal(exit.code, 0, `bench exits 0 (stderr: ${exit.stderr.slice(-500)})`);
  const files = (await readdir(out)).filter((f) => f.endsWith('.json')).sort();
  const scenarios = [
    'chaos',
    'connection-reset',
    'failover',
    'latency',
    'memory',
    'recovery',
    'throughput',
    'throughput-building',
    'throughput-http',
    'throughput-wire',
  ];
  t.same(files, scenarios.map((s) => `${s}-quick.json`).sort(), 'one result file per scenario');
  for (const file of files) {
    const result = JSON.parse(await readFile(path.join(out, file), 'utf8')) as Result;
    t.equal(result.quick, true, `${file} is marked quick`);
    t.ok(result.table.rows.length > 0, `${file} has a table`);
    t.ok(result.checks.length > 0, `${file} has correctness checks`);
    for (const check of result.checks) t.ok(check.ok, `${result.scenario}: ${check.name} (${check.detail})`);
  }
});
