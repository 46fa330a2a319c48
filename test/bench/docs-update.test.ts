/**
 * `flume-rpc bench` writes nothing under docs/ unless asked with --update-docs, and refuses
 * (exit 2, nothing run) when asked from a quick run or a loaded machine.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import {
  DOCS_MAX_LOAD_ENV,
  docsLoadLimit,
  refuseDocsAfterRun,
  refuseDocsBeforeRun,
} from '../../packages/tools/dist/bench/docs-update.js';
import { COMPETING_WORK_NOTE, type MachineInfo } from '../../packages/tools/dist/bench/report.js';
import { ROOT, runCli } from '../cli/helpers.js';

const machine: MachineInfo = { cpus: 2, cpuModel: 'test', node: process.version, platform: 'test' };

t.test('the load limit: half the cpus, or the environment override', async (t) => {
  t.equal(docsLoadLimit(machine, {}), 1);
  t.equal(docsLoadLimit({ ...machine, cpus: 8 }, {}), 4);
  t.equal(docsLoadLimit(machine, { [DOCS_MAX_LOAD_ENV]: '1.5' }), 1.5);
  t.equal(docsLoadLimit(machine, { [DOCS_MAX_LOAD_ENV]: 'lots' }), 1, 'a value that is not a number is ignored');
});

t.test('before a run: refused for --quick and above the limit, allowed at or below it', async (t) => {
  t.match(refuseDocsBeforeRun(machine, true, 0, 1), /needs a full run/);
  t.match(refuseDocsBeforeRun(machine, false, 1.01, 1), /load average is 1\.01 on 2 cpus \(limit 1\.00/);
  t.equal(refuseDocsBeforeRun(machine, false, 1, 1), null);
  t.equal(refuseDocsBeforeRun(machine, false, 0.2, 1), null);
});

t.test('after a run: refused when a scenario was flagged for competing work', async (t) => {
  t.equal(refuseDocsAfterRun([{ scenario: 'throughput', notes: ['1-minute load average 0.50 before'] }]), null);
  const refusal = refuseDocsAfterRun([
    { scenario: 'throughput', notes: [COMPETING_WORK_NOTE] },
    { scenario: 'recovery', notes: [] },
  ]);
  t.match(refusal, /during throughput;/);
  t.notMatch(refusal, /recovery/);
});

async function chartDigest(): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path.join(ROOT, 'docs/benchmarks.svg')))
    .digest('hex');
}

t.test('flume-rpc bench --update-docs: exit 2, nothing run and docs unchanged when refused', async (t) => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'flume-rpc-bench-docs-'));
  t.teardown(() => rm(out, { recursive: true, force: true }));
  const before = await chartDigest();
  const quick = await runCli(t, ['bench', '--quick', '--update-docs', '--scenario', 'recovery', '--out', out]);
  t.equal(quick.code, 2);
  t.match(quick.stderr, /flume-rpc bench: --update-docs needs a full run/);
  // Any load is above a negative limit: the refusal a loaded machine gets, made certain.
  process.env[DOCS_MAX_LOAD_ENV] = '-1';
  t.teardown(() => {
    delete process.env[DOCS_MAX_LOAD_ENV];
  });
  const loaded = await runCli(t, ['bench', '--update-docs', '--scenario', 'recovery', '--out', out]);
  t.equal(loaded.code, 2);
  t.match(loaded.stderr, /refusing to update docs\/: the 1-minute load average is [\d.]+ on \d+ cpus \(limit -1\.00/);
  t.match(loaded.stderr, /Nothing was run/);
  t.same(await readdir(out), [], 'no scenario ran');
  t.equal(await chartDigest(), before, 'docs/benchmarks.svg unchanged');
});

t.test('bench --help documents --update-docs and its exit code', async (t) => {
  const help = await runCli(t, ['bench', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /--update-docs/);
  t.match(help.stdout, /Nothing under docs\/ is written without --update-docs/);
  t.match(help.stdout, /exit code 2/);
});
