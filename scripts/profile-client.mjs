// Drives one bench sender against the bench's server child for a steady window, so the process
// can be profiled: node --cpu-prof --cpu-prof-dir=DIR scripts/profile-client.mjs [client] [inFlight] [ms]
// client is one of the throughput scenario's senders (ours, raw, client, failover, lb, avsc).
import { performance } from 'node:perf_hooks';
import { runClosedLoop } from '../packages/tools/dist/bench/closed-loop.js';
import { CLIENTS } from '../packages/tools/dist/bench/throughput-measure.js';
import { startServerProcess } from '../packages/tools/dist/bench/server-process.js';
import { standardWorkload } from '../packages/tools/dist/bench/workload.js';

const [name = 'client', inFlightArg = '8', msArg = '5000'] = process.argv.slice(2);
const open = CLIENTS[name];
if (!open) throw new Error(`unknown sender ${name}; known: ${Object.keys(CLIENTS).join(', ')}`);
const workload = standardWorkload();
const server = await startServerProcess({});
try {
  const sender = await open(server.port, workload);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const result = await runClosedLoop(sender, {
    inFlight: Number(inFlightArg),
    warmupMs: 300,
    windowMs: Number(msArg),
    maxRequests: 10_000_000,
    drainTimeoutMs: 5000,
  });
  const used = process.cpuUsage(cpu);
  await sender.close();
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `${name} at ${inFlightArg} in flight: ${((result.windowRequests * workload.batchSize) / (result.windowMs / 1000) / 1e6).toFixed(2)}M ev/s, ` +
      `${((used.user + used.system) / result.acknowledgedRequests).toFixed(1)} us cpu/batch over ${seconds.toFixed(1)} s${result.error ? `; ERROR ${result.error}` : ''}`,
  );
} finally {
  await server.stop();
}
