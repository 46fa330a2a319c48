import { performance } from 'node:perf_hooks';
import { AvroSourceServer, asError } from '@flume-rpc/netty-compat';
import { LoadBalancingRpcClient } from '@flume-rpc/rpc-client';
import { type Scenario, type ScenarioContext, type ScenarioResult, type Verdict, startScenario } from './scenario.js';
import { formatRate } from './figures.js';
import { listenRestartable } from './restartable-port.js';
import { standardWorkload } from './workload.js';

interface FailoverSettings {
  /** Run before the first phase (connections opened, JIT warmed); not counted. */
  warmupMs: number;
  /** Length of each phase: all up, one server killed, the server back. */
  phaseMs: number;
  inFlight: number;
  /** Bound on waiting for calls outstanding at the end. */
  drainTimeoutMs: number;
  /** The load balancer's backoff, short so the restarted server is back within the last phase. */
  backoffBaseMs: number;
  maxBackoffMs: number;
}

// Full: 1 s + 3 x 3 s. Quick: 0.15 s + 3 x 0.5 s, about 2 s with setup.
const FULL: FailoverSettings = {
  warmupMs: 1000,
  phaseMs: 3000,
  inFlight: 8,
  drainTimeoutMs: 5000,
  backoffBaseMs: 100,
  maxBackoffMs: 1000,
};
const QUICK: FailoverSettings = {
  warmupMs: 150,
  phaseMs: 500,
  inFlight: 8,
  drainTimeoutMs: 2000,
  backoffBaseMs: 50,
  maxBackoffMs: 200,
};

const PHASES = ['before', 'during (h2 down)', 'after (h2 back)'] as const;
const VICTIM = 1;

export const failoverScenario: Scenario = {
  name: 'failover',
  description:
    'load-balancing client over three servers, one killed and restarted mid-run: throughput per phase, no event lost, duplicates counted',
  run: runFailover,
};

interface PhaseFigures {
  phase: string;
  ms: number;
  acknowledgedEvents: number;
  failedCalls: number;
  /** Events each server acknowledged during the phase. */
  perServer: number[];
}

/**
 * Three AvroSourceServers in this process (a killed server must come back on the same port, which
 * AvroSourceServer.close()/listen() does), a LoadBalancingRpcClient with backoff keeping
 * `inFlight` batches outstanding; the second server is closed, as a killed agent, at the start of
 * the second phase and listens again at the start of the third.
 */
async function runFailover(context: ScenarioContext): Promise<ScenarioResult> {
  const settings = context.quick ? QUICK : FULL;
  const clock = startScenario(failoverScenario.name, context);
  const workload = standardWorkload();
  const servers = [new AvroSourceServer(), new AvroSourceServer(), new AvroSourceServer()];
  for (const server of servers) await listenRestartable((port) => server.listen(port, '127.0.0.1'));
  const client = new LoadBalancingRpcClient({
    hosts: servers.map((server, i) => ({ alias: `h${i + 1}`, host: '127.0.0.1', port: server.port })),
    options: {
      batchSize: workload.batchSize,
      connectTimeoutMs: 1000,
      handshakeTimeoutMs: 1000,
      requestTimeoutMs: 5000,
    },
    backoff: true,
    backoffBaseMs: settings.backoffBaseMs,
    maxBackoffMs: settings.maxBackoffMs,
  });
  context.log(
    `failover: 3 servers on ports ${servers.map((s) => s.port).join(', ')}; ${settings.inFlight} batches of ${workload.batchSize} in flight; ${PHASES.length} phases of ${settings.phaseMs} ms`,
  );

  const phases: PhaseFigures[] = [];
  let phase: PhaseFigures | null = null;
  let running = true;
  let outstanding = 0;
  let drained: () => void = () => undefined;
  const allDrained = new Promise<void>((resolve) => (drained = resolve));
  let firstError: string | null = null;

  const issue = (): void => {
    outstanding += 1;
    client.appendBatch(workload.events).then(
      () => finish(null),
      (err: unknown) => finish(asError(err)),
    );
  };
  const finish = (error: Error | null): void => {
    outstanding -= 1;
    if (phase) {
      if (error) phase.failedCalls += 1;
      else phase.acknowledgedEvents += workload.batchSize;
    }
    if (error) firstError ??= error.message;
    if (running) {
      // A failure is answered by the next call, not at once, so a broken client cannot spin.
      if (error) setTimeout(issue, 10);
      else issue();
    } else if (outstanding === 0) {
      drained();
    }
  };

  try {
    for (let i = 0; i < settings.inFlight; i += 1) issue();
    await new Promise((resolve) => setTimeout(resolve, settings.warmupMs));
    for (const [index, name] of PHASES.entries()) {
      if (index === 1) await servers[VICTIM]!.close();
      if (index === 2) await servers[VICTIM]!.listen();
      const ackedAtStart = servers.map((s) => s.stats.eventsAcknowledged);
      const started = performance.now();
      phase = { phase: name, ms: 0, acknowledgedEvents: 0, failedCalls: 0, perServer: [] };
      await new Promise((resolve) => setTimeout(resolve, settings.phaseMs));
      phase.ms = performance.now() - started;
      phase.perServer = servers.map((s, i) => s.stats.eventsAcknowledged - ackedAtStart[i]!);
      phases.push(phase);
      context.log(
        `  ${name.padEnd(17)} ${formatRate(phase.acknowledgedEvents / (phase.ms / 1000)).padStart(8)} ev/s; per server ${phase.perServer.join(' / ')}`,
      );
    }
    phase = null;
    running = false;
    if (outstanding > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        allDrained,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, settings.drainTimeoutMs))),
      ]);
      clearTimeout(timer);
    }
  } finally {
    running = false;
    await client.close();
    for (const server of servers) await server.close();
  }

  const counters = client.counters;
  const serverAcknowledged = servers.reduce((sum, s) => sum + s.stats.eventsAcknowledged, 0);
  const duplicates = serverAcknowledged - counters.eventsAcknowledged;
  const failedCalls = phases.reduce((sum, p) => sum + p.failedCalls, 0);
  const checks: Verdict[] = [
    {
      name: 'no call failed (two of three servers were always up)',
      ok: failedCalls === 0 && counters.eventsFailed === 0,
      detail:
        failedCalls === 0
          ? `${counters.eventsReceived} events handed over`
          : `${failedCalls} call(s) failed; first: ${firstError}`,
    },
    {
      name: 'no acknowledged event lost: servers acknowledged >= client acknowledged',
      ok: serverAcknowledged >= counters.eventsAcknowledged,
      detail: `servers ${serverAcknowledged} >= client ${counters.eventsAcknowledged}`,
    },
    {
      name: 'calls drained after the run',
      ok: outstanding === 0,
      detail: `${outstanding} outstanding`,
    },
  ];
  const after = phases[2];
  const targets: Verdict[] = [
    {
      name: 'the restarted server is back in the rotation in the last phase',
      ok: (after?.perServer[VICTIM] ?? 0) > 0,
      detail: `${after?.perServer[VICTIM] ?? 0} events on h2 after its restart`,
    },
  ];
  return clock.result({
    settings: {
      ...settings,
      batchSize: workload.batchSize,
      bodyBytes: workload.bodyBytes,
      servers: 'in-process',
      selector: 'round_robin',
    },
    table: {
      columns: ['phase', 'ms', 'ev/s', 'h1 events', 'h2 events', 'h3 events', 'failed calls'],
      rows: phases.map((p) => [
        p.phase,
        p.ms.toFixed(0),
        formatRate(p.acknowledgedEvents / (p.ms / 1000)),
        ...p.perServer.map(String),
        String(p.failedCalls),
      ]),
    },
    checks,
    targets,
    notes: [
      `client: received ${counters.eventsReceived}, acknowledged ${counters.eventsAcknowledged}, failed ${counters.eventsFailed}; servers received ${serverAcknowledged}; duplicates ${duplicates}; events resent after a host failed ${counters.eventsRetried}`,
      'servers run in the client process (a killed server must come back on its port, which the child-process server cannot do yet): they share its event loop, so rates are lower than in the throughput scenario and two live servers can even outpace three; the phases show that traffic keeps flowing, not what a failover costs',
    ],
    data: { phases, counters, serverAcknowledged, duplicates, hosts: client.hostStates() },
  });
}
