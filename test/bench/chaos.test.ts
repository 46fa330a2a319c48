import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { runCli } from '../cli/helpers.js';

// `flume-rpc bench --scenario chaos --quick`, as a user runs it: one round of the fault mix under
// four clients. Its correctness checks (nothing acknowledged missing, every call settled, every
// failure typed, counters balanced, every fault played) must pass; its figures are not asserted.
interface Result {
  scenario: string;
  quick: boolean;
  checks: Array<{ name: string; ok: boolean; detail: string }>;
  data: {
    reconciliation: { acknowledged: number; stored: number; missing: number };
    proxy: { cut: Record<string, number>; garbled: Record<string, number> };
  };
}

t.test('flume-rpc bench --scenario chaos --quick: faults played, nothing acknowledged missing', async (t) => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'flume-rpc-chaos-'));
  t.teardown(() => rm(out, { recursive: true, force: true }));
  const exit = await runCli(t, ['bench', '--scenario', 'chaos', '--quick', '--out', out], { timeoutMs: 60_000 });
  t.equal(exit.code, 0, `bench exits 0 (stderr: ${exit.stderr.slice(-500)})`);
  t.match(exit.stdout, /missing 0/, 'the reconciliation is printed');
  const result = JSON.parse(await readFile(path.join(out, 'chaos-quick.json'), 'utf8')) as Result;
  t.equal(result.scenario, 'chaos');
  t.equal(result.quick, true);
  t.ok(result.checks.length >= 8, 'the scenario reports its checks');
  for (const check of result.checks) t.ok(check.ok, `${check.name} (${check.detail})`);
  const { reconciliation: r, proxy } = result.data;
  t.equal(r.missing, 0);
  t.ok(r.stored >= r.acknowledged && r.acknowledged > 0, `stored ${r.stored} >= acknowledged ${r.acknowledged} > 0`);
  t.ok(proxy.cut['request']! > 0 && proxy.cut['response']! > 0, 'frames were cut in both directions');
});
