import { performance } from 'node:perf_hooks';
import { type ClosedLoopResult, type Sender, runClosedLoop } from './closed-loop.js';
import { readCpuTicks, stealPercent } from './host-steal.js';
import { openAvscSender } from './sender-avsc.js';
import { openClientSender } from './sender-client.js';
import { openOursSender } from './sender-ours.js';
import { openRawEncodingSender, openRawSender } from './sender-raw.js';
import { openFailoverSender, openLoadBalancingSender } from './sender-routed.js';
import type { ServerProcess, ServerSnapshot } from './server-process.js';
import type { Workload } from './workload.js';

/**
 * The clients compared, in the order of the table: our wire client (Transceiver), the avsc
 * client, pre-encoded frames, the same frames encoded per call, our whole NettyAvroRpcClient as
 * applications use it, and the failover and load-balancing clients over two healthy hosts.
 */
export const CLIENTS = {
  ours: openOursSender,
  avsc: openAvscSender,
  raw: openRawSender,
  'raw-encode': openRawEncodingSender,
  client: openClientSender,
  failover: openFailoverSender,
  lb: openLoadBalancingSender,
} as const satisfies Record<string, (port: number, workload: Workload) => Promise<Sender>>;

export type ClientName = keyof typeof CLIENTS;
export const CLIENT_NAMES = Object.keys(CLIENTS) as ClientName[];

/**
 * The raw sender against avsc's services server instead of ours: the same load on both servers,
 * so raw@N / avsc-server@N is how much more our server takes.
 */
export const AVSC_SERVER_ROW = 'avsc-server';
/** Every row of the throughput table: each client against our server, then raw against avsc's. */
export const ROW_NAMES = [...CLIENT_NAMES, AVSC_SERVER_ROW] as const;
export type RowName = (typeof ROW_NAMES)[number];

/** The two server children a throughput run measures against. */
export interface ThroughputServers {
  ours: ServerProcess;
  avsc: ServerProcess;
}

export interface WindowSettings {
  warmupMs: number;
  windowMs: number;
  maxRequests: number;
  drainTimeoutMs: number;
}

export interface Measurement {
  round: number;
  inFlight: number;
  /** A ClientName, or another sender's name in scenarios that compare others (throughput-wire). */
  client: string;
  /** Events acknowledged inside the window per second; 0 when the measurement failed. */
  eventsPerSecond: number;
  windowMs: number;
  windowRequests: number;
  stoppedBy: string;
  /** Events the client saw acknowledged over its whole connection (setup, warm-up, window, drain). */
  clientAcknowledgedEvents: number;
  /** The server's eventsAcknowledged growth over the same connection. */
  serverAcknowledgedEvents: number;
  /**
   * CPU (user + system, kernel socket work included) this process spent per acknowledged batch
   * during the load: at 8 in flight the server caps events/s, and this is where clients differ.
   */
  clientCpuMicrosPerBatch: number;
  /** Server CPU per batch it acknowledged, over the same span. */
  serverCpuMicrosPerBatch: number;
  /** Server CPU time / wall time over the load: near 1 means the server was the bottleneck. */
  serverBusy: number;
  /** Percent of the machine's CPU time the host stole during the load (host-steal.ts); null where unknown. */
  stealPercent: number | null;
  error: string | null;
}

/**
 * One client, one in-flight count, one fresh connection: warm-up, measured window, drain, close;
 * the server's counter is read before and after so each measurement is checked on its own.
 */
export function measure(
  server: ServerProcess,
  workload: Workload,
  client: ClientName,
  inFlight: number,
  round: number,
  settings: WindowSettings,
): Promise<Measurement> {
  return measureSender(server, workload, client, (port) => CLIENTS[client](port, workload), inFlight, round, settings);
}

/** One row's measurement: a client against our server, or the raw sender against avsc's. */
export function measureRow(
  servers: ThroughputServers,
  workload: Workload,
  row: RowName,
  inFlight: number,
  round: number,
  settings: WindowSettings,
): Promise<Measurement> {
  if (row === AVSC_SERVER_ROW) {
    const open = (port: number): Promise<Sender> => openRawSender(port, workload);
    return measureSender(servers.avsc, workload, row, open, inFlight, round, settings);
  }
  return measure(servers.ours, workload, row, inFlight, round, settings);
}

/** The same, for any sender: `open` connects it to the server's port. */
export async function measureSender(
  server: ServerProcess,
  workload: Workload,
  client: string,
  open: (port: number) => Promise<Sender>,
  inFlight: number,
  round: number,
  settings: WindowSettings,
): Promise<Measurement> {
  const initial = await server.stats();
  const base = { round, client, inFlight, eventsPerSecond: 0, windowMs: 0, windowRequests: 0, stoppedBy: 'error' };
  let sender: Sender;
  try {
    sender = await open(server.port);
  } catch (err) {
    const serverAcknowledgedEvents = (await server.stats()).eventsAcknowledged - initial.eventsAcknowledged;
    const cpu = { clientCpuMicrosPerBatch: 0, serverCpuMicrosPerBatch: 0, serverBusy: 0, stealPercent: null };
    return {
      ...base,
      ...cpu,
      clientAcknowledgedEvents: 0,
      serverAcknowledgedEvents,
      error: `could not connect: ${String(err)}`,
    };
  }
  let loop: ClosedLoopResult;
  let clientCpu: NodeJS.CpuUsage;
  let serverAtStart: ServerSnapshot;
  let serverAtEnd: ServerSnapshot;
  let wallMs: number;
  let stolen: number | null;
  try {
    // Fields picked one by one: a wider settings object (one with an inFlight list) must not leak in.
    const { warmupMs, windowMs, maxRequests, drainTimeoutMs } = settings;
    serverAtStart = await server.stats();
    const cpuAtStart = process.cpuUsage();
    const ticksAtStart = readCpuTicks();
    const wallAtStart = performance.now();
    loop = await runClosedLoop(sender, { inFlight, warmupMs, windowMs, maxRequests, drainTimeoutMs });
    clientCpu = process.cpuUsage(cpuAtStart);
    stolen = stealPercent(ticksAtStart, readCpuTicks());
    wallMs = performance.now() - wallAtStart;
    serverAtEnd = await server.stats();
  } finally {
    await sender.close();
  }
  const serverAcknowledgedEvents = (await server.stats()).eventsAcknowledged - initial.eventsAcknowledged;
  const ok = loop.error === null && loop.windowMs > 0 && loop.windowRequests > 0;
  const serverCpuMicros = serverAtEnd.cpuMicros - serverAtStart.cpuMicros;
  const serverBatches = (serverAtEnd.eventsAcknowledged - serverAtStart.eventsAcknowledged) / workload.batchSize;
  return {
    round,
    client,
    inFlight,
    eventsPerSecond: ok ? (loop.windowRequests * workload.batchSize * 1000) / loop.windowMs : 0,
    windowMs: loop.windowMs,
    windowRequests: loop.windowRequests,
    stoppedBy: loop.stoppedBy,
    clientAcknowledgedEvents: (sender.setupRequests + loop.acknowledgedRequests) * workload.batchSize,
    serverAcknowledgedEvents,
    clientCpuMicrosPerBatch: perBatch(clientCpu.user + clientCpu.system, loop.acknowledgedRequests),
    serverCpuMicrosPerBatch: perBatch(serverCpuMicros, serverBatches),
    serverBusy: wallMs > 0 ? serverCpuMicros / 1000 / wallMs : 0,
    stealPercent: stolen,
    error: loop.error ?? (ok ? null : 'empty measurement window (raise maxRequests or shorten the warm-up)'),
  };
}

function perBatch(micros: number, batches: number): number {
  return batches > 0 ? micros / batches : 0;
}
