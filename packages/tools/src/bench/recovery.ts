import { NettyAvroRpcClient } from '@flume-rpc/rpc-client';
import { BatchProducer, type StallRound, delay, stallAndRecover } from './handshake-stall.js';
import {
  type Scenario,
  type ScenarioContext,
  type ScenarioResult,
  type Verdict,
  deliveryChecks,
  oneRowTable,
  startScenario,
  inProcessServer,
} from './scenario.js';
import { standardWorkload } from './workload.js';

interface RecoverySettings {
  rounds: number;
  /** How long the server stalls every handshake in each round. */
  stallMs: number;
  handshakeTimeoutMs: number;
  retryBackoffInitialMs: number;
  retryBackoffMaxMs: number;
  maxRetries: number;
  /** Bound on waiting for the first acknowledged batch after a recovery. */
  recoveryBoundMs: number;
}

const FULL: RecoverySettings = {
  rounds: 8,
  stallMs: 1500,
  handshakeTimeoutMs: 100,
  retryBackoffInitialMs: 50,
  retryBackoffMaxMs: 200,
  maxRetries: 2,
  recoveryBoundMs: 5000,
};
const QUICK: RecoverySettings = { ...FULL, rounds: 2, stallMs: 700 };

export const recoveryScenario: Scenario = {
  name: 'recovery',
  description:
    'handshake recovery: the server stalls every handshake for a while, then recovers; time from recovery to the first acknowledged batch, with the same client instance',
  run: runRecovery,
};

/**
 * Rounds of stallAndRecover on one client and one producer sending batches back to back; the
 * producer never rebuilds the client.
 */
async function runRecovery(context: ScenarioContext): Promise<ScenarioResult> {
  const settings = context.quick ? QUICK : FULL;
  const clock = startScenario(recoveryScenario.name, context);
  const workload = standardWorkload();
  const { server, port } = await inProcessServer();
  const client = new NettyAvroRpcClient({
    host: '127.0.0.1',
    port,
    connectTimeoutMs: 1000,
    handshakeTimeoutMs: settings.handshakeTimeoutMs,
    requestTimeoutMs: 1000,
    maxRetries: settings.maxRetries,
    retryBackoffInitialMs: settings.retryBackoffInitialMs,
    retryBackoffMaxMs: settings.retryBackoffMaxMs,
  });
  const producer = new BatchProducer(client, workload.events);
  const rounds: StallRound[] = [];
  try {
    await Promise.race([producer.nextAck(), delay(settings.recoveryBoundMs)]);
    for (let round = 0; round < settings.rounds; round += 1) {
      const result = await stallAndRecover(server, producer, settings);
      rounds.push(result);
      context.log(`round ${round + 1}: first batch acknowledged ${result.recoveryMs.toFixed(1)} ms after recovery`);
      await Promise.race([producer.nextAck(), delay(settings.recoveryBoundMs)]);
    }
  } finally {
    await producer.stop();
    await client.close();
    await server.close();
  }
  const failures = producer.failures;
  const reportedHandshakeTimeouts = producer.handshakeTimeoutFailures;
  const counters = client.counters;
  const times = rounds.map((r) => r.recoveryMs).sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? Number.NaN;
  const max = times[times.length - 1] ?? Number.NaN;
  const bound = settings.retryBackoffMaxMs + 50;
  const checks: Verdict[] = [
    ...deliveryChecks(server.stats.eventsAcknowledged, counters),
    {
      name: 'the stalls were felt',
      ok: rounds.every((r) => r.handshakeTimeouts > 0),
      detail: `failed handshakes per round: ${rounds.map((r) => r.handshakeTimeouts).join(', ')}; calls reported with HandshakeTimeoutError: ${reportedHandshakeTimeouts}`,
    },
    { name: 'every round recovered', ok: Number.isFinite(max), detail: `${rounds.length} rounds` },
  ];
  const targets: Verdict[] = [
    {
      name: `first batch after recovery within retry-backoff-max + 50 ms (${bound} ms) in every round`,
      ok: max <= bound,
      detail: `median ${median.toFixed(1)} ms, max ${max.toFixed(1)} ms`,
    },
  ];
  return clock.result({
    settings: { ...settings, batchSize: workload.batchSize, bodyBytes: workload.bodyBytes },
    table: oneRowTable([
      ['rounds', rounds.length],
      ['stall ms', settings.stallMs],
      ['backoff ms', `${settings.retryBackoffInitialMs}..${settings.retryBackoffMaxMs}`],
      ['recovery median ms', median.toFixed(1)],
      ['recovery max ms', max.toFixed(1)],
      ['acknowledged (client)', counters.eventsAcknowledged],
      ['acknowledged (server)', server.stats.eventsAcknowledged],
      ['failed calls', failures],
      ['reconnects', counters.reconnects],
    ]),
    checks,
    targets,
    notes: [
      `handshake-timeout ${settings.handshakeTimeoutMs} ms, max-retries ${settings.maxRetries}, retry-backoff ${settings.retryBackoffInitialMs}..${settings.retryBackoffMaxMs} ms with jitter`,
      'the server runs in the client process (its fault plan is changed live); the figure is latency to recover, not throughput',
      "for contrast, Flume's Java NettyAvroRpcClient stays DEAD after its first handshake timeout: it never recovers without being rebuilt",
    ],
    data: { rounds, counters },
  });
}
