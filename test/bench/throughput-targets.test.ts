/**
 * Issue 15's throughput targets, judged from medians alone (no bench is run): met, missed with
 * the figure named, never met by a missing figure, and never judged from a quick or loaded run.
 */
import t from 'tap';
import {
  type RunConditions,
  type ThroughputMedians,
  judgeThroughputTargets,
  trustNote,
} from '../../packages/tools/dist/bench/throughput-targets.js';
import { competingWork, formatResult } from '../../packages/tools/dist/bench/report.js';
import {
  disturbedAbove,
  parseCpuTicks,
  readCpuTicks,
  stealPercent,
} from '../../packages/tools/dist/bench/host-steal.js';
import type { ScenarioResult } from '../../packages/tools/dist/bench/scenario.js';

const IDLE: RunConditions = { quick: false, load: { before: 0.4, after: 1.9, cpus: 2 } };

/** Figures that meet every target, each with room to spare, so one change fails one target. */
function passing(): { rate: Record<string, number>; cpu: Record<string, number> } {
  return {
    rate: {
      'ours@1': 500_000,
      'avsc@1': 300_000,
      'raw@1': 900_000,
      'client@1': 500_000,
      'failover@1': 490_000,
      'lb@1': 495_000,
      'avsc-server@1': 400_000,
      'ours@8': 1_600_000,
      'avsc@8': 600_000,
      'raw@8': 2_000_000,
      'client@8': 1_700_000,
      'failover@8': 1_650_000,
      'lb@8': 1_600_000,
      'avsc-server@8': 700_000,
    },
    cpu: { 'raw@1': 40, 'raw@8': 20, 'client@1': 45, 'client@8': 28, 'ours@1': 40, 'ours@8': 25 },
  };
}

const NAMES = [
  'client >= 80% of raw at 8 in flight',
  "client cpu/batch at 8 in flight <= 1.60x raw's at 8 (25 µs on the reference machine)",
  "client cpu/batch at 1 in flight <= 1.18x raw's at 1 (40 µs on the reference machine)",
  'client >= 0.9x ours (Transceiver) at 1 in flight',
  'failover >= 0.9x client at 1 in flight',
  'lb >= 0.9x client at 1 in flight',
  "our server >= 1.5x avsc's server under the raw sender at 1 in flight",
  'client >= 0.9x ours (Transceiver) at 8 in flight',
  'failover >= 0.9x client at 8 in flight',
  'lb >= 0.9x client at 8 in flight',
  "our server >= 1.5x avsc's server under the raw sender at 8 in flight",
];

t.test('figures that meet every target: every verdict ok, one per target, in one list', async (t) => {
  const verdicts = judgeThroughputTargets(passing(), IDLE);
  t.same(
    verdicts.map((v) => v.name),
    NAMES,
  );
  for (const v of verdicts) t.equal(v.ok, true, `${v.name}: ${v.detail}`);
  const cpu8 = verdicts[1]!;
  t.match(cpu8.detail, /^1\.40x: cpu client@8 28µs \/ raw@8 20µs \(needs <= 1\.60x, 32µs here\)$/);
});

t.test('a figure exactly at its bound meets the target', async (t) => {
  const m = passing();
  m.rate['client@8'] = 0.8 * m.rate['raw@8']!;
  m.cpu['client@8'] = 1.6 * m.cpu['raw@8']!;
  m.cpu['client@1'] = (40 / 34) * m.cpu['raw@1']!;
  m.rate['avsc-server@8'] = m.rate['raw@8']! / 2; // 2x: comfortably above 1.5x
  m.rate['failover@1'] = 0.9 * m.rate['client@1']!;
  for (const v of judgeThroughputTargets(m, IDLE)) t.equal(v.ok, true, `${v.name}: ${v.detail}`);
});

/** One change each, the one target it must fail, and what the detail must name. */
const MISSES: Array<{ change: (m: ReturnType<typeof passing>) => void; fails: string; detail: RegExp }> = [
  {
    change: (m) => (m.rate['client@8'] = 0.79 * m.rate['raw@8']!),
    fails: 'client >= 80% of raw at 8 in flight',
    detail: /^79%: rate client@8 1\.58M ev\/s \/ raw@8 2\.00M ev\/s \(needs >= 80%\)$/,
  },
  {
    change: (m) => (m.cpu['client@8'] = 33),
    fails: "client cpu/batch at 8 in flight <= 1.60x raw's at 8 (25 µs on the reference machine)",
    detail: /^1\.65x: cpu client@8 33µs \/ raw@8 20µs \(needs <= 1\.60x, 32µs here\)$/,
  },
  {
    // Judged against raw@1, the same round trip's cost: passing()'s 45 µs is 2.25x raw@8 and meets it.
    change: (m) => (m.cpu['client@1'] = 50),
    fails: "client cpu/batch at 1 in flight <= 1.18x raw's at 1 (40 µs on the reference machine)",
    detail: /^1\.25x: cpu client@1 50µs \/ raw@1 40µs \(needs <= 1\.18x, 47µs here\)$/,
  },
  {
    change: (m) => (m.rate['ours@1'] = m.rate['client@1']! / 0.89),
    fails: 'client >= 0.9x ours (Transceiver) at 1 in flight',
    detail: /^0\.89x: rate client@1 500\.0k ev\/s \/ ours@1 561\.8k ev\/s/,
  },
  {
    change: (m) => (m.rate['ours@8'] = 2 * m.rate['client@8']!),
    fails: 'client >= 0.9x ours (Transceiver) at 8 in flight',
    detail: /^0\.50x: rate client@8 .* \/ ours@8 /,
  },
  {
    change: (m) => (m.rate['failover@1'] = 0.89 * m.rate['client@1']!),
    fails: 'failover >= 0.9x client at 1 in flight',
    detail: /^0\.89x: rate failover@1 445\.0k ev\/s \/ client@1 500\.0k ev\/s \(needs >= 0\.90x\)$/,
  },
  {
    change: (m) => (m.rate['failover@8'] = 0.5 * m.rate['client@8']!),
    fails: 'failover >= 0.9x client at 8 in flight',
    detail: /failover@8 .* \/ client@8 /,
  },
  {
    change: (m) => (m.rate['lb@1'] = 0.85 * m.rate['client@1']!),
    fails: 'lb >= 0.9x client at 1 in flight',
    detail: /^0\.85x: rate lb@1 /,
  },
  {
    change: (m) => (m.rate['lb@8'] = 0.89 * m.rate['client@8']!),
    fails: 'lb >= 0.9x client at 8 in flight',
    detail: /^0\.89x: rate lb@8 /,
  },
  {
    change: (m) => (m.rate['avsc-server@1'] = m.rate['raw@1']! / 1.4),
    fails: "our server >= 1.5x avsc's server under the raw sender at 1 in flight",
    detail: /^1\.40x: rate raw@1 900\.0k ev\/s \/ avsc-server@1 642\.9k ev\/s \(needs >= 1\.50x\)$/,
  },
  {
    change: (m) => (m.rate['avsc-server@8'] = m.rate['raw@8']!),
    fails: "our server >= 1.5x avsc's server under the raw sender at 8 in flight",
    detail: /^1\.00x: rate raw@8 .* \/ avsc-server@8 /,
  },
];

t.test('each target missed fails alone, its detail naming the figures', async (t) => {
  t.equal(MISSES.length, NAMES.length, 'every target has a miss');
  for (const miss of MISSES) {
    const m = passing();
    miss.change(m);
    const verdicts = judgeThroughputTargets(m, IDLE);
    const failed = verdicts.filter((v) => v.ok !== true);
    t.same(
      failed.map((v) => [v.name, v.ok]),
      [[miss.fails, false]],
      `only "${miss.fails}" fails`,
    );
    t.match(failed[0]?.detail, miss.detail);
  }
});

t.test('a missing, zero or NaN median fails its target rather than passing it', async (t) => {
  const cases: Array<{ change: (m: ReturnType<typeof passing>) => void; fails: string[]; detail: RegExp }> = [
    {
      change: (m) => delete m.rate['lb@8'],
      fails: ['lb >= 0.9x client at 8 in flight'],
      detail: /^no rate figure for lb@8 \(row missing/,
    },
    {
      // A client that measured nothing costs nothing: that must not meet a CPU budget.
      change: (m) => (m.cpu['client@8'] = 0),
      fails: ["client cpu/batch at 8 in flight <= 1.60x raw's at 8 (25 µs on the reference machine)"],
      detail: /^no cpu figure for client@8/,
    },
    {
      change: (m) => (m.cpu['client@1'] = Number.NaN),
      fails: ["client cpu/batch at 1 in flight <= 1.18x raw's at 1 (40 µs on the reference machine)"],
      detail: /^no cpu figure for client@1/,
    },
    {
      // Each CPU budget's unit: without it that budget cannot be judged.
      change: (m) => delete m.cpu['raw@8'],
      fails: ["client cpu/batch at 8 in flight <= 1.60x raw's at 8 (25 µs on the reference machine)"],
      detail: /^no cpu figure for raw@8/,
    },
    {
      change: (m) => delete m.cpu['raw@1'],
      fails: ["client cpu/batch at 1 in flight <= 1.18x raw's at 1 (40 µs on the reference machine)"],
      detail: /^no cpu figure for raw@1/,
    },
    {
      change: (m) => (m.rate['avsc-server@1'] = 0),
      fails: ["our server >= 1.5x avsc's server under the raw sender at 1 in flight"],
      detail: /^no rate figure for avsc-server@1/,
    },
    {
      change: (m) => {
        delete m.rate['failover@1'];
        m.rate['client@1'] = Number.NaN;
      },
      fails: [
        'client >= 0.9x ours (Transceiver) at 1 in flight',
        'failover >= 0.9x client at 1 in flight',
        'lb >= 0.9x client at 1 in flight',
      ],
      detail: /^no rate figure for client@1/,
    },
  ];
  for (const c of cases) {
    const m = passing();
    c.change(m);
    const failed = judgeThroughputTargets(m, IDLE).filter((v) => v.ok !== true);
    t.same(
      failed.map((v) => [v.name, v.ok]),
      c.fails.map((name) => [name, false]),
    );
    t.match(failed[0]?.detail, c.detail);
  }
  const both = judgeThroughputTargets(
    { ...passing(), rate: { ...passing().rate, 'failover@1': 0, 'client@1': 0 } },
    IDLE,
  ).find((v) => v.name === 'failover >= 0.9x client at 1 in flight');
  t.match(both?.detail, /^no rate figure for failover@1, client@1 /, 'every missing figure is named');
  t.same(
    judgeThroughputTargets({ rate: {}, cpu: {} }, IDLE).map((v) => v.ok),
    NAMES.map(() => false),
    'no figures at all: every target fails',
  );
});

t.test('a loaded run judges nothing: every target "not judged", met or missed alike', async (t) => {
  const loaded: RunConditions = { quick: false, load: { before: 1.2, after: 2.51, cpus: 2 } };
  const missing: ThroughputMedians = { rate: {}, cpu: {} };
  const failing = passing();
  for (const miss of MISSES) miss.change(failing);
  for (const medians of [passing(), failing, missing]) {
    const verdicts = judgeThroughputTargets(medians, loaded);
    t.equal(verdicts.length, NAMES.length);
    for (const v of verdicts) {
      t.equal(v.ok, null, v.name);
      t.match(v.detail, /^not judged: load 2\.51 on 2 cpus \(other work competed for the CPUs\); /);
    }
  }
  const passingDetail = judgeThroughputTargets(passing(), loaded)[0]!.detail;
  t.match(passingDetail, /; 85%: rate client@8 1\.70M ev\/s/, 'the figure is still shown, unjudged');
  const before = judgeThroughputTargets(passing(), { quick: false, load: { before: 4, after: 1, cpus: 2 } });
  t.ok(
    before.every((v) => v.ok === null && v.detail.startsWith('not judged: load 4.00 on 2 cpus')),
    'a load before the run counts as one after it',
  );
  const atLimit = judgeThroughputTargets(passing(), { quick: false, load: { before: 2.5, after: 2.5, cpus: 2 } });
  t.ok(
    atLimit.every((v) => v.ok === true),
    'cpus + 0.5 itself is not competing work',
  );
  t.equal(competingWork({ before: 2.5, after: 2.5, cpus: 2 }), false);
  t.equal(competingWork({ before: 0, after: 2.51, cpus: 2 }), true);
  t.equal(competingWork({ before: 8.4, after: 8.4, cpus: 8 }), false, 'the limit follows the core count');
});

t.test('a target whose figures stand on fewer than 3 undisturbed measurements is not judged', async (t) => {
  const m: ThroughputMedians = { ...passing(), samples: {} };
  const samples = m.samples as Record<string, number>;
  for (const key of [...Object.keys(m.rate), ...Object.keys(m.cpu)]) samples[key] = 5;
  samples['client@8'] = 2;
  const verdicts = judgeThroughputTargets(m, IDLE);
  const touched = verdicts.filter((v) => v.ok === null);
  t.same(
    touched.map((v) => v.name),
    NAMES.filter((name) => name.includes('client') && name.includes('at 8 in flight')),
    'every target with client@8 on either side, and only those',
  );
  for (const v of touched) {
    t.match(v.detail, /^not judged: too few measurements undisturbed by host steal \(client@8 2; 3 needed\); /);
  }
  samples['client@8'] = 3;
  t.ok(
    judgeThroughputTargets(m, IDLE).every((v) => v.ok === true),
    'three undisturbed measurements are enough',
  );
  const stolenRun = { quick: false, load: { ...IDLE.load, stealPercent: 40 } };
  t.ok(
    judgeThroughputTargets(m, stolenRun).every((v) => v.ok === true),
    "the run's own steal does not decide: its undisturbed measurements do",
  );
  t.equal(competingWork({ ...IDLE.load, stealPercent: 5 }), false, '5 % itself is not competition');
  t.equal(competingWork({ ...IDLE.load, stealPercent: 5.1 }), true, 'over 5 % is, for the notes of every scenario');
  t.equal(competingWork({ ...IDLE.load, stealPercent: null }), false, 'unknown steal (not Linux) goes by load alone');
  t.match(
    trustNote(IDLE, 12, 70),
    /^trust: the medians, from the 58 of 70 measurements the host did not disturb \(12 had more of their CPU time stolen than 5 % and are left out/,
  );
});

t.test('a measurement is disturbed 5 points above the quiet level of its kind', async (t) => {
  t.equal(disturbedAbove([1, 0, 2, 30, 40]), 6, 'quiet at 1 % (the lower quartile): 6 %');
  t.equal(disturbedAbove([0, 0, 0, 0, 50]), 5, 'quiet at 0 %: 5 %');
  t.equal(disturbedAbove([12, 15, 16, 30, 40, 17, 14, 13]), 18, 'a wake-up level of 13 % (the lower quartile) + 5');
  t.equal(disturbedAbove([]), 5, 'no readings: the floor');
});

t.test('steal is read from /proc/stat as a share of the CPU time wanted', async (t) => {
  const before = parseCpuTicks('cpu  1000 10 200 5000 40 5 15 30 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n');
  const after = parseCpuTicks('cpu  1700 10 400 9000 40 5 15 130 0 0\n');
  t.same(before, { busy: 1230, steal: 30 }, 'user + nice + system + irq + softirq, and steal');
  t.equal(stealPercent(before, after), 10, '100 stolen of 900 run + 100 stolen');
  t.equal(parseCpuTicks('intr 1 2 3\n'), null, 'no aggregate cpu line');
  t.equal(parseCpuTicks('cpu  1 2 x 4 5 6 7 8\n'), null, 'a field that is not a number');
  t.equal(stealPercent(null, after), null, 'no reading before');
  t.equal(stealPercent(after, after), null, 'no time wanted in between');
  t.equal(readCpuTicks('/nonexistent/stat'), null, 'no /proc/stat');
  const here = readCpuTicks();
  if (process.platform === 'linux') t.ok(here && here.busy > 0 && here.steal >= 0, 'this Linux machine has a reading');
});

t.test('a quick run judges nothing either: smoke figures only', async (t) => {
  const verdicts = judgeThroughputTargets(passing(), { ...IDLE, quick: true });
  for (const v of verdicts) {
    t.equal(v.ok, null, v.name);
    t.match(v.detail, /^not judged: a quick run \(smoke figures only\); /);
  }
});

t.test('the trust note says which figures hold', async (t) => {
  t.match(
    trustNote(IDLE),
    /^trust: all figures, as ratios within this run \(load average 0\.40 before, 1\.90 after, on 2 cpus/,
  );
  t.match(trustNote({ quick: false, load: { before: 3, after: 3, cpus: 2 } }), /^trust: NONE of these figures/);
  t.match(trustNote({ ...IDLE, quick: true }), /^trust: a quick run; every figure is a smoke figure, no target judged/);
});

t.test('the report prints a target not judged as [--], neither ok nor NO', async (t) => {
  const result: ScenarioResult = {
    scenario: 'throughput',
    quick: false,
    startedAt: new Date(0).toISOString(),
    durationMs: 1,
    settings: {},
    table: { columns: ['a'], rows: [['1']] },
    checks: [{ name: 'a check', ok: true, detail: 'fine' }],
    targets: [
      { name: 'met', ok: true, detail: 'd1' },
      { name: 'missed', ok: false, detail: 'd2' },
      { name: 'unjudged', ok: null, detail: 'not judged: load 3.00 on 2 cpus' },
    ],
    notes: [],
    data: null,
  };
  const lines = formatResult(result, { cpus: 2, cpuModel: 'test', node: 'v20', platform: 'test' });
  t.ok(lines.includes('  [ok] met: d1'));
  t.ok(lines.includes('  [NO] missed: d2'));
  t.ok(lines.includes('  [--] unjudged: not judged: load 3.00 on 2 cpus'));
});
