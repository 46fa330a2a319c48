import type net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { ZlibLayer } from '@flume-rpc/netty-compat';
import type { Sender } from './closed-loop.js';
import { type Scenario, type ScenarioContext, type ScenarioResult, startScenario } from './scenario.js';
import { openAvscSender } from './sender-avsc.js';
import { openClientSender } from './sender-client.js';
import { startServerProcess } from './server-process.js';
import { rotate } from './throughput.js';
import { type TlsMaterial, makeTlsMaterial } from './tls-material.js';
import { type Measurement, measureSender } from './throughput-measure.js';
import { formatMicros, formatRate, formatRatio, median, ratio } from './figures.js';
import { type ThroughputSettings, checks } from './throughput-summary.js';
import { standardWorkload } from './workload.js';

const FULL: ThroughputSettings = {
  rounds: 3,
  inFlight: [1, 8],
  warmupMs: 300,
  windowMs: 1500,
  maxRequests: 200_000,
  drainTimeoutMs: 5000,
};
const QUICK: ThroughputSettings = {
  rounds: 1,
  inFlight: [1, 8],
  warmupMs: 100,
  windowMs: 250,
  maxRequests: 20_000,
  drainTimeoutMs: 5000,
};

type Stack = 'deflate' | 'tls' | 'tls+deflate';
const STACKS: readonly Stack[] = ['deflate', 'tls', 'tls+deflate'];
const LEVEL = 6;

/**
 * The clients on the socket stacks of agents with compression-type = deflate, ssl = true, or both
 * (Flume 1.10's order, zlib outside TLS), against our server with the same stack: our
 * NettyAvroRpcClient, as applications use it, and the avsc services client over the same layers
 * (Node's TLS, our zlib layer), the best peer we can run with the same setting.
 */
export const throughputWireScenario: Scenario = {
  name: 'throughput-wire',
  description: 'appendBatch events/s with deflate, TLS and both: our client vs the avsc client over the same layers',
  run: (context) => runWire(context),
};

async function runWire(context: ScenarioContext): Promise<ScenarioResult> {
  const settings = context.quick ? QUICK : FULL;
  const clock = startScenario('throughput-wire', context);
  const workload = standardWorkload();
  const material = makeTlsMaterial();
  const measurements: Array<Measurement & { stack: Stack }> = [];
  try {
    for (const stack of STACKS) {
      const server = await startServerProcess({
        wire: {
          ...(stack.includes('deflate') ? { compressionLevel: LEVEL } : {}),
          ...(stack.includes('tls') ? { tls: { keyFile: material.keyFile, certFile: material.certFile } } : {}),
        },
      });
      context.log(`throughput-wire: ${stack} server pid ${server.pid} on 127.0.0.1:${server.port}`);
      const openers: Record<string, (port: number) => Promise<Sender>> = {
        client: (port) => openClientSender(port, workload, clientOptions(stack, material)),
        avsc: (port) => openAvscSender(port, workload, (socket) => avscLayers(socket, stack, material)),
      };
      try {
        for (let round = 0; round < settings.rounds; round += 1) {
          for (const inFlight of settings.inFlight) {
            for (const name of rotate(Object.keys(openers), round)) {
              const m = await measureSender(server, workload, name, openers[name]!, inFlight, round, settings);
              measurements.push({ ...m, stack });
              context.log(
                `  ${stack} round ${round + 1} in-flight ${inFlight} ${name.padEnd(6)} ${formatRate(m.eventsPerSecond).padStart(8)} ev/s, client cpu ${m.clientCpuMicrosPerBatch.toFixed(0)} µs/batch${m.error ? `; ERROR ${m.error}` : ''}`,
              );
            }
          }
        }
      } finally {
        await server.stop();
      }
    }
  } finally {
    material.cleanup();
  }
  const medianOf = (stack: Stack, client: string, inFlight: number, pick: (m: Measurement) => number): number =>
    median(
      measurements
        .filter((m) => m.stack === stack && m.client === client && m.inFlight === inFlight && m.error === null)
        .map(pick),
    );
  const rows = STACKS.flatMap((stack) =>
    settings.inFlight.map((inFlight) => {
      const rate = (client: string): number => medianOf(stack, client, inFlight, (m) => m.eventsPerSecond);
      const cpu = (client: string): number => medianOf(stack, client, inFlight, (m) => m.clientCpuMicrosPerBatch);
      return [
        stack,
        String(inFlight),
        formatRate(rate('client')),
        formatRate(rate('avsc')),
        formatRatio(ratio(rate('client'), rate('avsc'))),
        formatMicros(cpu('client')),
        formatMicros(cpu('avsc')),
      ];
    }),
  );
  return clock.result({
    settings: {
      ...settings,
      batchSize: workload.batchSize,
      bodyBytes: workload.bodyBytes,
      compressionLevel: LEVEL,
      layerOrder: 'zlib-outside',
    },
    table: {
      columns: ['stack', 'in flight', 'client ev/s', 'avsc ev/s', 'client/avsc', 'client cpu/batch', 'avsc cpu/batch'],
      rows,
    },
    checks: checks(measurements),
    targets: [],
    notes: [
      'server: our AvroSourceServer in a child process with the same stack; it checks and counts events',
      `deflate at level ${LEVEL} both ways; TLS with a self-signed EC P-256 certificate, verified by both clients; with both, zlib outside TLS (Flume 1.10+)`,
      "avsc runs over Node's TLS and our zlib layer (avsc has no compression of its own): the comparison is of the Avro IPC clients on the same layers",
    ],
    data: { measurements },
  });
}

function clientOptions(stack: Stack, material: TlsMaterial): Record<string, unknown> {
  return {
    ...(stack.includes('deflate') ? { compressionType: 'deflate' as const, compressionLevel: LEVEL } : {}),
    ...(stack.includes('tls') ? { ssl: true, truststore: material.certFile, truststoreType: 'PEM' } : {}),
  };
}

function avscLayers(socket: net.Socket, stack: Stack, material: TlsMaterial): Duplex {
  const inner: Duplex = stack.includes('deflate') ? new ZlibLayer(socket, LEVEL) : socket;
  return stack.includes('tls') ? tls.connect({ socket: inner, ca: material.cert, servername: 'localhost' }) : inner;
}
