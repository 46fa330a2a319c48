import { performance } from 'node:perf_hooks';
import type { Histogram } from 'hdr-histogram-js';
import {
  type ConnectionOptions,
  type ClientCounters,
  FailoverRpcClient,
  LoadBalancingRpcClient,
  NettyAvroRpcClient,
  type RpcClient,
} from '@flume-rpc/rpc-client';
import { ChaosLedger, describeReconciliation } from './chaos-ledger.js';
import { faultMix } from './chaos-faults.js';
import { ChaosRig } from './chaos-rig.js';
import { type StreamResult, startStream } from './chaos-stream.js';
import { newLatencyHistogram } from './open-loop.js';
import type { Scenario, ScenarioContext, ScenarioResult, Verdict } from './scenario.js';

/** `FLUME_RPC_CHAOS_SECONDS=60 flume-rpc bench --scenario chaos` runs a minute; --quick ignores it. */
export const CHAOS_SECONDS_ENV = 'FLUME_RPC_CHAOS_SECONDS';

interface ChaosSettings {
  durationMs: number;
  /** Quiet time after each fault, so traffic flows again between two. */
  faultEveryMs: number;
  outageMs: number;
  /** Above handshake-timeout and request-timeout below. */
  stallMs: number;
  /** Calls in flight per client. */
  concurrency: number;
  batchSize: number;
  /** Bound on calls still running at the end to settle; past it they count as hung. */
  settleMs: number;
}

const FULL: ChaosSettings = {
  durationMs: 20_000,
  faultEveryMs: 300,
  outageMs: 300,
  stallMs: 800,
  concurrency: 2,
  batchSize: 20,
  settleMs: 5000,
};
// One round of the mix and a little more.
const QUICK: ChaosSettings = { ...FULL, durationMs: 4000, faultEveryMs: 100, outageMs: 150 };

/** Short enough that a fault costs a fraction of a second; long enough for a loaded loopback. */
const TIMEOUTS: Partial<ConnectionOptions> = {
  connectTimeoutMs: 500,
  handshakeTimeoutMs: 500,
  requestTimeoutMs: 600,
  maxRetries: 2,
  retryBackoffInitialMs: 20,
  retryBackoffMaxMs: 200,
};

export const chaosScenario: Scenario = {
  name: 'chaos',
  description:
    'faults for a set time (servers killed and restarted, connections dropped, handshakes and answers stalled, frames cut and garbled, a garbage host) under four clients; a ledger of event ids reconciles acknowledged against stored',
  run: runChaos,
};

type Counted = RpcClient & { counters: Readonly<ClientCounters> };

interface ClientRun {
  name: string;
  client: Counted;
  result?: StreamResult;
}

function settingsFor(quick: boolean): ChaosSettings {
  if (quick) return QUICK;
  const seconds = Number(process.env[CHAOS_SECONDS_ENV]);
  return Number.isFinite(seconds) && seconds > 0 ? { ...FULL, durationMs: Math.round(seconds * 1000) } : FULL;
}

/**
 * Every client streams batches (a failed batch is resent with the same ids, as an at-least-once
 * caller would) while the fault mix plays round after round; then everything is stopped and the
 * ledger compares what the callers were told with what the servers stored.
 */
async function runChaos(context: ScenarioContext): Promise<ScenarioResult> {
  const settings = settingsFor(context.quick);
  const startedAt = new Date();
  const t0 = performance.now();
  const ledger = new ChaosLedger();
  const rig = await ChaosRig.start(ledger);
  const { direct, damaged, garbage } = rig.hosts();
  const [h1, h3] = direct as [typeof damaged, typeof damaged];
  const runs: ClientRun[] = [
    { name: 'default (h1)', client: new NettyAvroRpcClient({ host: h1.host, port: h1.port, ...TIMEOUTS }) },
    {
      name: 'default via the proxy (h2)',
      client: new NettyAvroRpcClient({ host: damaged.host, port: damaged.port, ...TIMEOUTS }),
    },
    {
      name: 'failover (h1, h2, h3)',
      client: new FailoverRpcClient({
        hosts: [h1, damaged, h3],
        options: TIMEOUTS,
        penaltyBaseMs: 100,
        maxPenaltyMs: 1000,
      }),
    },
    {
      name: 'load balancing (h1, h2, h3, garbage)',
      client: new LoadBalancingRpcClient({
        hosts: [h1, damaged, h3, garbage],
        options: TIMEOUTS,
        backoff: true,
        backoffBaseMs: 50,
        maxBackoffMs: 1000,
      }),
    },
  ];
  context.log(
    `chaos: ${runs.length} clients x ${settings.concurrency} in flight, batches of ${settings.batchSize}, ${settings.durationMs} ms; servers on ${rig.servers.map((s) => s.port).join(', ')}`,
  );
  const injected: Record<string, number> = {};
  try {
    const streams = runs.map((run) =>
      startStream(run.client, ledger, {
        maxCalls: Number.MAX_SAFE_INTEGER,
        maxMs: settings.durationMs,
        settleMs: settings.settleMs,
        concurrency: settings.concurrency,
        batchSize: settings.batchSize,
        resendFailed: true,
        pauseAfterFailureMs: 10,
      }),
    );
    const mix = faultMix(rig, settings);
    const faultsStart = performance.now();
    // Bounded by time and, should a fault return at once every time, by count.
    const maxFaults = Math.ceil(settings.durationMs / settings.faultEveryMs);
    for (
      let i = 0;
      i < maxFaults && performance.now() - faultsStart < settings.durationMs - settings.faultEveryMs;
      i += 1
    ) {
      const fault = mix[i % mix.length]!;
      await fault.inject();
      injected[fault.name] = (injected[fault.name] ?? 0) + 1;
      await new Promise((resolve) => setTimeout(resolve, settings.faultEveryMs));
    }
    const results = await Promise.all(streams.map((s) => s.done));
    results.forEach((result, i) => (runs[i]!.result = result));
  } finally {
    for (const run of runs) await run.client.close();
    await rig.close();
  }
  return summarise(context, settings, startedAt, performance.now() - t0, ledger, runs, injected, rig);
}

function summarise(
  context: ScenarioContext,
  settings: ChaosSettings,
  startedAt: Date,
  durationMs: number,
  ledger: ChaosLedger,
  runs: ClientRun[],
  injected: Record<string, number>,
  rig: ChaosRig,
): ScenarioResult {
  const r = ledger.reconcile();
  const results = runs.map((run) => run.result!);
  const all = newLatencyHistogram();
  for (const result of results) all.add(result.callUs);
  const sum = (f: (x: StreamResult) => number): number => results.reduce((n, x) => n + f(x), 0);
  const clientAcknowledged = runs.reduce((n, run) => n + run.client.counters.eventsAcknowledged, 0);
  const unbalanced = runs
    .filter(({ client: { counters: c } }) => c.eventsReceived !== c.eventsAcknowledged + c.eventsFailed)
    .map((run) => run.name);
  const mix = faultMix(rig, settings).map((f) => f.name);
  const checks: Verdict[] = [
    { name: 'no acknowledged event missing', ok: r.missing === 0, detail: describeReconciliation(r) },
    {
      name: 'nothing stored that was never sent',
      ok: r.unknown === 0 && r.untagged === 0,
      detail: `unknown ${r.unknown}, untagged ${r.untagged}`,
    },
    {
      name: 'every call settled',
      ok: sum((x) => x.unsettled) === 0,
      detail: `${sum((x) => x.unsettled)} of ${sum((x) => x.calls)} calls still running ${settings.settleMs} ms after the end`,
    },
    {
      name: 'every failure typed',
      ok: sum((x) => x.untypedErrors) === 0,
      detail: `${sum((x) => x.untypedErrors)} untyped`,
    },
    {
      name: 'client counters balance (received = acknowledged + failed)',
      ok: unbalanced.length === 0,
      detail: unbalanced.length === 0 ? 'all clients' : `not: ${unbalanced.join(', ')}`,
    },
    {
      name: 'clients acknowledged what the callers were told',
      ok: clientAcknowledged === r.acknowledged,
      detail: `clients ${clientAcknowledged}, ledger ${r.acknowledged}`,
    },
    {
      name: 'every fault of the mix was played',
      ok: mix.every((name) => (injected[name] ?? 0) > 0),
      detail: JSON.stringify(injected),
    },
    { name: 'events got through', ok: r.acknowledged > 0, detail: `${r.acknowledged} acknowledged` },
  ];
  const row = (name: string, x: StreamResult | null, h: Histogram, acked: number): string[] => [
    name,
    String(x ? x.calls : sum((y) => y.calls)),
    String(x ? x.failedCalls : sum((y) => y.failedCalls)),
    String(acked),
    (h.getValueAtPercentile(50) / 1000).toFixed(1),
    (h.getValueAtPercentile(99) / 1000).toFixed(1),
    (h.maxValue / 1000).toFixed(1),
  ];
  const table = {
    columns: ['client', 'calls', 'failed calls', 'acknowledged events', 'p50 ms', 'p99 ms', 'max ms'],
    rows: [
      ...runs.map((run) => row(run.name, run.result!, run.result!.callUs, run.client.counters.eventsAcknowledged)),
      row('all', null, all, clientAcknowledged),
    ],
  };
  const errors: Record<string, number> = {};
  for (const result of results)
    for (const [name, n] of Object.entries(result.errors)) errors[name] = (errors[name] ?? 0) + n;
  context.log(
    `  ${describeReconciliation(r)}; p99 ${(all.getValueAtPercentile(99) / 1000).toFixed(1)} ms; failed calls ${JSON.stringify(errors)}`,
  );
  return {
    scenario: 'chaos',
    quick: context.quick,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(durationMs),
    settings: { ...settings, timeouts: TIMEOUTS, faultMix: mix, servers: 'in-process' },
    table,
    checks,
    targets: [],
    notes: [
      `ledger: acknowledged ${r.acknowledged}, stored ${r.stored}, missing ${r.missing}, duplicates ${r.duplicates} (${r.extraCopies} extra copies), issued ${r.issued}`,
      `failed calls by error: ${JSON.stringify(errors)}`,
      `faults played: ${JSON.stringify(injected)}; proxy ${JSON.stringify(rig.proxy.stats)}; garbage host answered ${rig.garbage.stats.answers} frame(s)`,
      'a failed call is resent with the same event ids (at-least-once), so duplicates are events whose first copy was stored but not acknowledged (answer lost, cut, garbled or timed out)',
      'servers run in this process (a killed server must come back on its port): call times include their work',
    ],
    data: {
      reconciliation: r,
      injected,
      errors,
      proxy: rig.proxy.stats,
      clients: runs.map((run) => ({ name: run.name, counters: run.client.counters, ...run.result, callUs: undefined })),
    },
  };
}
