import { performance } from 'node:perf_hooks';
import { NettyAvroRpcClient } from '@flume-rpc/rpc-client';
import {
  LOOP_DELAY_RESOLUTION_MS,
  type Phase,
  type Sample,
  type SampleStats,
  Sampler,
  statsOf,
} from './memory-sampler.js';
import { Producer } from './producer.js';
import {
  type Scenario,
  type ScenarioContext,
  type ScenarioResult,
  type Verdict,
  deliveryChecks,
  startScenario,
  inProcessServer,
} from './scenario.js';
import { standardWorkload } from './workload.js';

interface MemorySettings {
  /** Concurrent application loops, each awaiting its call and going on after a failure. */
  loops: number;
  warmupMs: number;
  outageMs: number;
  sampleEveryMs: number;
  /** Bound on the first acknowledged batch after the server is back. */
  recoveryBoundMs: number;
  /** Delivery goes on this long after recovery before the producer stops. */
  afterRecoveryMs: number;
  /** Bound on calls settling when the producer pauses or stops. */
  settleBoundMs: number;
  /** Bound on calls per loop: a runaway guard far above what the run's length allows. */
  maxCallsPerLoop: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxRetries: number;
  retryBackoffInitialMs: number;
  retryBackoffMaxMs: number;
}

const FULL: MemorySettings = {
  loops: 16,
  warmupMs: 2000,
  outageMs: 30_000,
  sampleEveryMs: 250,
  recoveryBoundMs: 15_000,
  afterRecoveryMs: 1000,
  settleBoundMs: 10_000,
  maxCallsPerLoop: 1_000_000,
  connectTimeoutMs: 1000,
  requestTimeoutMs: 2000,
  maxRetries: 3,
  // A short maximum backoff keeps the client trying often through the outage (more allocation to
  // leak, if anything leaked) and bounds the recovery wait.
  retryBackoffInitialMs: 100,
  retryBackoffMaxMs: 1000,
};
const QUICK: MemorySettings = { ...FULL, warmupMs: 500, outageMs: 3000, afterRecoveryMs: 300 };

/** Targets from the brief: reported, not fatal, since other load on the machine can disturb them. */
const HEAP_GROWTH_BOUND_MB = 50;
const LOOP_DELAY_P99_BOUND_MS = 100;

export const memoryScenario: Scenario = {
  name: 'memory',
  description:
    'RSS, heap and event-loop delay while 16 loops keep calling appendBatch against a server that is down, then delivery after it is back',
  run: runMemory,
};

async function runMemory(context: ScenarioContext): Promise<ScenarioResult> {
  const settings = context.quick ? QUICK : FULL;
  const clock = startScenario(memoryScenario.name, context);
  const workload = standardWorkload();
  const { server, port } = await inProcessServer();
  const client = new NettyAvroRpcClient({
    host: '127.0.0.1',
    port,
    connectTimeoutMs: settings.connectTimeoutMs,
    handshakeTimeoutMs: settings.connectTimeoutMs,
    requestTimeoutMs: settings.requestTimeoutMs,
    maxRetries: settings.maxRetries,
    retryBackoffInitialMs: settings.retryBackoffInitialMs,
    retryBackoffMaxMs: settings.retryBackoffMaxMs,
  });
  const sampler = new Sampler(settings.sampleEveryMs, () => client.counters);
  const producer = new Producer(
    () => client.appendBatch(workload.events),
    settings.loops,
    settings.maxCallsPerLoop,
    () => sampler.phase,
  );
  let warmupAcknowledged: number;
  let quiesced: boolean;
  let recoveryMs: number;
  let stoppedCleanly: boolean;
  const retained: { startMb?: number; endMb?: number } = {};
  context.log(
    `memory: in-process server on 127.0.0.1:${port}; ${settings.loops} loops; outage ${settings.outageMs} ms`,
  );
  try {
    sampler.start('warmup');
    producer.start();
    await delay(settings.warmupMs);
    warmupAcknowledged = client.counters.eventsAcknowledged;

    // Paused so that nothing is in flight at the close: a call answered by the server but cut off
    // before its answer arrived would count on one side only, and the equality check would be a race.
    quiesced = await producer.pause(settings.settleBoundMs);
    await server.close();
    retained.startMb = heapAfterGc();
    sampler.setPhase('outage');
    producer.resume();
    context.log(`  server closed; ${warmupAcknowledged} events acknowledged in warm-up`);
    await delay(settings.outageMs);

    retained.endMb = heapAfterGc();
    sampler.setPhase('recovery');
    const acknowledgedBefore = client.counters.eventsAcknowledged;
    const back = performance.now();
    await server.listen();
    recoveryMs = await firstAcknowledgement(client, acknowledgedBefore, back, settings.recoveryBoundMs);
    context.log(`  server back on port ${server.port}; first batch acknowledged after ${recoveryMs.toFixed(0)} ms`);
    await delay(settings.afterRecoveryMs);
    stoppedCleanly = await producer.stop(settings.settleBoundMs);
  } finally {
    await producer.stop(settings.settleBoundMs);
    sampler.stop();
    await client.close();
    await server.close();
  }

  const counters = client.counters;
  const byPhase = new Map<Phase, SampleStats>(
    (['warmup', 'outage', 'recovery'] as const).map((phase) => [phase, statsOf(sampler.samples, phase)]),
  );
  const outage = byPhase.get('outage')!;
  const heapGrowthMb = outage.heapMaxMb - outage.heapFirstMb;
  const checks: Verdict[] = [
    {
      name: 'delivered before the outage',
      ok: warmupAcknowledged > 0,
      detail: `${warmupAcknowledged} events acknowledged in warm-up`,
    },
    {
      name: 'nothing in flight when the server closed',
      ok: quiesced,
      detail: `producer paused within ${settings.settleBoundMs} ms`,
    },
    {
      name: 'the outage was felt',
      ok: producer.failedIn('outage') > 0,
      detail: `${producer.failedIn('outage')} calls failed during the outage, ${producer.callsIn('outage')} made`,
    },
    {
      name: 'delivers again after the server is back',
      ok: Number.isFinite(recoveryMs),
      detail: `first batch acknowledged ${recoveryMs.toFixed(0)} ms after listen (bound ${settings.recoveryBoundMs} ms)`,
    },
    {
      name: 'producer stopped with every call settled',
      ok: stoppedCleanly,
      detail: `${producer.outstanding} calls outstanding`,
    },
    ...deliveryChecks(server.stats.eventsAcknowledged, counters),
  ];
  const targets: Verdict[] = [
    {
      name: `heapUsed growth during the outage < ${HEAP_GROWTH_BOUND_MB} MB`,
      ok: heapGrowthMb < HEAP_GROWTH_BOUND_MB,
      detail: `max - first ${heapGrowthMb.toFixed(1)} MB (first ${outage.heapFirstMb.toFixed(1)}, last ${outage.heapLastMb.toFixed(1)}, max ${outage.heapMaxMb.toFixed(1)} MB)`,
    },
    {
      name: `event-loop delay p99 < ${LOOP_DELAY_P99_BOUND_MS} ms in every outage sample`,
      ok: outage.loopP99MaxMs < LOOP_DELAY_P99_BOUND_MS,
      detail: `worst p99 ${outage.loopP99MaxMs.toFixed(1)} ms, worst max ${outage.loopMaxMs.toFixed(1)} ms over ${outage.samples} samples`,
    },
  ];
  const rows = [...byPhase].map(([phase, s]) => [
    phase,
    String(s.samples),
    ...[
      s.rssFirstMb,
      s.rssLastMb,
      s.rssMaxMb,
      s.heapFirstMb,
      s.heapLastMb,
      s.heapMaxMb,
      s.loopP99MaxMs,
      s.loopMaxMs,
    ].map((v) => v.toFixed(1)),
    String(producer.callsIn(phase)),
    String(producer.failedIn(phase)),
  ]);
  return clock.result({
    settings: { ...settings, batchSize: workload.batchSize, bodyBytes: workload.bodyBytes },
    table: {
      columns: [
        'phase',
        'samples',
        'rss first MB',
        'rss last MB',
        'rss max MB',
        'heap first MB',
        'heap last MB',
        'heap max MB',
        'loop p99 ms (worst)',
        'loop max ms',
        'calls',
        'failed calls',
      ],
      rows,
    },
    checks,
    targets,
    notes: [
      `samples every ${settings.sampleEveryMs} ms: process RSS and heapUsed, and perf_hooks.monitorEventLoopDelay (${LOOP_DELAY_RESOLUTION_MS} ms resolution, the resolution taken off) p99 and max since the previous sample`,
      'the server runs in the client process (closed and re-listened on the same port), so RSS covers both; heapUsed is mostly the client with no connection to serve',
      `client: connect/handshake timeout ${settings.connectTimeoutMs} ms, request timeout ${settings.requestTimeoutMs} ms, max-retries ${settings.maxRetries}, backoff ${settings.retryBackoffInitialMs}..${settings.retryBackoffMaxMs} ms; max-inflight and max-pending default`,
      retained.startMb !== undefined && retained.endMb !== undefined
        ? `heapUsed after a forced GC: ${retained.startMb.toFixed(1)} MB when the outage began, ${retained.endMb.toFixed(1)} MB when it ended (${(retained.endMb - retained.startMb).toFixed(1)} MB retained)`
        : 'samples are taken without forcing GC, so heap figures include garbage not yet collected; run node with --expose-gc to also get the heap retained across the outage',
    ],
    data: {
      recoveryMs,
      retainedHeapMb: retained,
      counters,
      calls: producer.summary(),
      samples: sampler.samples satisfies Sample[],
    },
  });
}

/** Milliseconds from `since` to the first acknowledgement past `before`; Infinity after the bound. */
async function firstAcknowledgement(
  client: NettyAvroRpcClient,
  before: number,
  since: number,
  boundMs: number,
): Promise<number> {
  // Polled: bounded by boundMs / 20 ms iterations.
  while (performance.now() - since < boundMs) {
    if (client.counters.eventsAcknowledged > before) return performance.now() - since;
    await delay(20);
  }
  return Number.POSITIVE_INFINITY;
}

/** heapUsed in MB after a full GC, when node runs with --expose-gc; undefined otherwise. */
function heapAfterGc(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return undefined;
  gc();
  return process.memoryUsage().heapUsed / (1024 * 1024);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
