import type { Sender } from './closed-loop.js';
import { type Scenario, type ScenarioContext, type ScenarioResult, type Verdict, startScenario } from './scenario.js';
import { HTTP_CONNECTIONS, openHttpClientSender } from './sender-http.js';
import { openUndiciSender } from './sender-undici.js';
import { startServerProcess } from './server-process.js';
import { FULL, QUICK, rotate } from './throughput.js';
import { type Measurement, measureSender } from './throughput-measure.js';
import { formatMicros, formatRate, formatRatio, median, ratio } from './figures.js';
import { checks } from './throughput-summary.js';
import { standardTextWorkload, workloadSettings } from './workload.js';

/** HttpRpcClient, and the plain undici loop it is judged against, in the order of the table. */
const NAMES = ['http', 'undici'] as const;
type HttpSenderName = (typeof NAMES)[number];

/**
 * The throughput table's HTTP rows: the same batches, rounds, windows and in-flight counts as
 * `throughput`, posted as JSON to an HTTP source (Flume's HTTPSource + JSONHandler on its success
 * path) in a child process. Its own table, since the throughput table's columns are the Avro
 * clients against the Avro server; the ratio is HttpRpcClient against a plain undici Pool.
 */
export const throughputHttpScenario: Scenario = {
  name: 'throughput-http',
  description: 'appendBatch events/s to an HTTP source (JSON): HttpRpcClient vs a plain undici loop, 1 and 8 in flight',
  run: (context) => runHttp(context),
};

async function runHttp(context: ScenarioContext): Promise<ScenarioResult> {
  // Its own fixed rounds: the extra rounds for host steal are the Avro scenario's, whose targets need them.
  const settings = context.quick ? QUICK : { ...FULL, extraRounds: 0 };
  const clock = startScenario('throughput-http', context);
  const workload = standardTextWorkload();
  const openers: Record<HttpSenderName, (port: number) => Promise<Sender>> = {
    http: (port) => openHttpClientSender(port, workload),
    undici: (port) => openUndiciSender(port, workload),
  };
  const measurements: Measurement[] = [];
  const server = await startServerProcess({ source: 'http' });
  context.log(
    `throughput-http: HTTP source pid ${server.pid} on 127.0.0.1:${server.port}; ${settings.rounds} round(s) of ${settings.windowMs} ms windows`,
  );
  try {
    for (let round = 0; round < settings.rounds; round += 1) {
      for (const inFlight of settings.inFlight) {
        // Rotating the order each round keeps any drift (thermal, GC, neighbours) off one sender.
        for (const name of rotate(NAMES, round)) {
          const m = await measureSender(server, workload, name, openers[name], inFlight, round, settings);
          measurements.push(m);
          context.log(
            `  round ${round + 1} in-flight ${inFlight} ${name.padEnd(6)} ${formatRate(m.eventsPerSecond).padStart(8)} ev/s` +
              ` client cpu ${m.clientCpuMicrosPerBatch.toFixed(0)} µs/batch, server busy ${(m.serverBusy * 100).toFixed(0)}%` +
              ` (client acked ${m.clientAcknowledgedEvents}, server counted ${m.serverAcknowledgedEvents}${m.error ? `; ERROR ${m.error}` : ''})`,
          );
        }
      }
    }
  } finally {
    await server.stop();
  }

  const of = (name: HttpSenderName, inFlight: number): Measurement[] =>
    measurements.filter((m) => m.client === name && m.inFlight === inFlight);
  const medianOf = (name: HttpSenderName, inFlight: number, pick: (m: Measurement) => number): number =>
    median(
      of(name, inFlight)
        .filter((m) => m.error === null)
        .map(pick),
    );
  const rate = (name: HttpSenderName, inFlight: number): number => medianOf(name, inFlight, (m) => m.eventsPerSecond);
  const cpu = (name: HttpSenderName, inFlight: number): number =>
    medianOf(name, inFlight, (m) => m.clientCpuMicrosPerBatch);
  const rows = settings.inFlight.map((inFlight) => [
    String(inFlight),
    formatRate(rate('http', inFlight)),
    formatRate(rate('undici', inFlight)),
    formatRatio(ratio(rate('http', inFlight), rate('undici', inFlight))),
    formatMicros(cpu('http', inFlight)),
    formatMicros(cpu('undici', inFlight)),
  ]);
  const notes = [
    'server: an HTTP source in a child process (node:http, keep-alive); it parses each body, checks it is an array of {headers, body} and counts the events, as JSONHandler would, and answers 200 with no body',
    `bodies: ${workload.bodyBytes} random base64 characters (JSONHandler carries text only); http = HttpRpcClient, undici = a plain undici Pool posting JSON.stringify of the same batch per call; both with ${HTTP_CONNECTIONS} connections, no pipelining`,
    ...settings.inFlight.flatMap((inFlight) => [
      ...NAMES.map(
        (name) =>
          `${name} at ${inFlight} in flight, per round: ${of(name, inFlight)
            .map((m) => formatRate(m.eventsPerSecond))
            .join(
              ', ',
            )} ev/s; server busy ${(medianOf(name, inFlight, (m) => m.serverBusy) * 100).toFixed(0)}%, server cpu ${formatMicros(medianOf(name, inFlight, (m) => m.serverCpuMicrosPerBatch))}/batch`,
      ),
      pairedNote(of('http', inFlight), of('undici', inFlight), inFlight),
    ]),
  ];
  return clock.result({
    settings: { ...settings, ...workloadSettings(workload) },
    table: {
      columns: ['in flight', 'http ev/s', 'undici ev/s', 'http/undici', 'http cpu/batch', 'undici cpu/batch'],
      rows,
    },
    checks: [...checks(measurements), exactDelivery(measurements)],
    targets: [],
    notes,
    data: {
      medians: Object.fromEntries(
        settings.inFlight.flatMap((n) => NAMES.map((name) => [`${name}@${n}`, rate(name, n)])),
      ),
      measurements,
    },
  });
}

/**
 * Every POST is answered before its sender closes, and the source commits exactly what it
 * answered 200 to: the events it counted are the events acknowledged, no more, no fewer.
 */
function exactDelivery(measurements: Measurement[]): Verdict {
  const off = measurements.filter((m) => m.serverAcknowledgedEvents !== m.clientAcknowledgedEvents);
  return {
    name: 'source counted = client acknowledged events, per measurement',
    ok: off.length === 0,
    detail:
      off.length === 0
        ? `${measurements.reduce((total, m) => total + m.clientAcknowledgedEvents, 0)} events in ${measurements.length} measurements`
        : off
            .map(
              (m) =>
                `${m.client}@${m.inFlight} round ${m.round + 1}: source ${m.serverAcknowledgedEvents}, client ${m.clientAcknowledgedEvents}`,
            )
            .join('; '),
  };
}

/** Same-round pairs ran seconds apart, so their ratio is less exposed to drift than the medians'. */
function pairedNote(http: Measurement[], undici: Measurement[], inFlight: number): string {
  const ratios = http.map((m, i) => ratio(m.eventsPerSecond, undici[i]?.eventsPerSecond ?? 0));
  return `http/undici at ${inFlight} in flight, per round: ${ratios.map(formatRatio).join(', ')} (median ${formatRatio(median(ratios))})`;
}
