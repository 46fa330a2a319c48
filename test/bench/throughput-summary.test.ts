/**
 * The throughput scenario's summary: medians stand on the measurements the host did not disturb
 * (steal over 5 %), each table row says how many rounds it used, and a figure left with too few
 * is not judged.
 */
import t from 'tap';
import { summarise, thinCells } from '../../packages/tools/dist/bench/throughput-summary.js';
import { type Measurement, ROW_NAMES } from '../../packages/tools/dist/bench/throughput-measure.js';
import { standardWorkload } from '../../packages/tools/dist/bench/workload.js';

const RATES: Record<string, number> = {
  ours: 1.6e6,
  avsc: 6e5,
  raw: 2e6,
  'raw-encode': 1.8e6,
  client: 1.7e6,
  failover: 1.65e6,
  lb: 1.6e6,
  'avsc-server': 7e5,
};
const CPU: Record<string, number> = {
  ours: 25,
  avsc: 150,
  raw: 20,
  'raw-encode': 22,
  client: 23,
  failover: 29,
  lb: 30,
  'avsc-server': 40,
};

function measurement(
  client: string,
  inFlight: number,
  round: number,
  stealPercent: number | null,
  scale = 1,
): Measurement {
  return {
    round,
    inFlight,
    client,
    eventsPerSecond: RATES[client]! * scale * (inFlight === 1 ? 0.3 : 1),
    windowMs: 2000,
    windowRequests: 1000,
    stoppedBy: 'time',
    clientAcknowledgedEvents: 100_000,
    serverAcknowledgedEvents: 100_000,
    clientCpuMicrosPerBatch: (CPU[client]! / scale) * (inFlight === 1 ? 2 : 1),
    serverCpuMicrosPerBatch: 30,
    serverBusy: 0.8,
    stealPercent,
    error: null,
  };
}

function run(measurements: Measurement[]) {
  return summarise({
    scenario: 'throughput',
    judgeTargets: true,
    serverKind: 'checks and counts events',
    quick: false,
    settings: { rounds: 5, inFlight: [1, 8], warmupMs: 1, windowMs: 2000, maxRequests: 1, drainTimeoutMs: 1 },
    workload: standardWorkload(2, 8),
    startedAt: new Date(0),
    durationMs: 1,
    measurements,
    calibration: [1, 1],
    load: { before: 0.3, after: 1.1, cpus: 2, stealPercent: 9 },
  });
}

t.test('measurements with over 5 % steal are left out of the medians, and a thin figure is not judged', async (t) => {
  const measurements: Measurement[] = [];
  for (let round = 0; round < 5; round += 1) {
    for (const inFlight of [1, 8]) {
      for (const row of ROW_NAMES) {
        // client@8's first three rounds ran while the host stole a third of the time, at a tenth of the rate.
        const hit = row === 'client' && inFlight === 8 && round < 3;
        measurements.push(measurement(row, inFlight, round, hit ? 33 : round % 2 === 0 ? 5 : null, hit ? 0.1 : 1));
      }
    }
  }
  t.same(thinCells(measurements, [1, 8], 3), ['client@8'], 'the row the scenario would add rounds for');
  t.same(thinCells(measurements, [1, 8], 2), [], 'with two needed, none');
  const result = run(measurements);
  const medians = (result.data as { medians: Record<string, number> }).medians;
  t.equal(medians['client@8'], RATES['client'], 'the disturbed rounds do not pull the median down');
  t.equal(medians['raw@8'], RATES['raw'], 'steal of exactly 5 % and unknown steal count as undisturbed');
  const clientRow = result.table.rows.find((row) => row[0] === '8' && row[1] === 'client')!;
  t.equal(clientRow[result.table.columns.indexOf('rounds used')], '2/5', 'the row says how many rounds it stands on');
  const unjudged = result.targets.filter((v) => v.ok === null).map((v) => v.name);
  t.ok(
    unjudged.length > 0 && unjudged.every((name) => name.includes('client') && name.includes('at 8 in flight')),
    `not judged: ${unjudged.join('; ')}`,
  );
  t.ok(
    result.targets.filter((v) => v.ok !== null).every((v) => v.ok === true),
    `every other target is met, from the undisturbed medians: ${result.targets
      .filter((v) => v.ok === false)
      .map((v) => v.detail)
      .join('; ')}`,
  );
  const total = measurements.length;
  t.ok(
    result.notes.some((note) =>
      note.startsWith(`trust: the medians, from the ${total - 3} of ${total} measurements the host did not disturb`),
    ),
    'the trust note counts what was left out',
  );
  const perRound = result.notes.find((note) => note.startsWith('client at 8 in flight, per round:'));
  t.match(
    perRound,
    /^client at 8 in flight, per round: 170\.0k \(left out\), 170\.0k \(left out\), 170\.0k \(left out\), 1\.70M, 1\.70M ev\/s$/,
    'the per-round note marks the rounds left out',
  );
});

t.test('raw-encode is compared with raw by CPU, and the client with raw-encode', async (t) => {
  const measurements: Measurement[] = [];
  for (let round = 0; round < 5; round += 1) {
    for (const inFlight of [1, 8]) for (const row of ROW_NAMES) measurements.push(measurement(row, inFlight, round, 0));
  }
  const result = run(measurements);
  const comparedOf = (sender: string): string =>
    result.table.rows.find((row) => row[0] === '8' && row[1] === sender)![
      result.table.columns.indexOf('compared (same in-flight count)')
    ]!;
  t.equal(comparedOf('raw-encode'), "90% of raw, 1.10x raw's cpu", 'encoding costs 2 of 22 µs here');
  t.match(
    comparedOf('client'),
    /, 1\.05x raw-encode's cpu$/,
    "the client's CPU over the encoding raw sender's (23 / 22)",
  );
});
