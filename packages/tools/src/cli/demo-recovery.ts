/**
 * The demo's second part, the point of the project: an agent that stops answering handshakes and
 * later recovers. Our client times out, retries, and sends again with the same instance; beside
 * it, what Flume's Java client does in the same situation, read from its source (it cannot run
 * here), labelled as such.
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { AvroSourceServer } from '@flume-rpc/netty-compat';
import { BatchProducer, type StallRound, delay, stallAndRecover } from '../bench/handshake-stall.js';
import { EventBuilder, NettyAvroRpcClient, RpcClientFactory } from '@flume-rpc/rpc-client';
import { LineSplitter } from './lines.js';

/** Short, so the demo takes seconds; every wait below is bounded by them. */
const PROPERTIES = {
  'connect-timeout': '1000',
  'handshake-timeout': '250',
  'request-timeout': '1000',
  'max-retries': '2',
  'retry-backoff-initial': '50',
  'retry-backoff-max': '200',
};
const HEALTHY_MS = 300;
const STALL = { stallMs: 1500, recoveryBoundMs: 5000 };
const BATCH_SIZE = 100;

function ms(value: number | null): string {
  return value === null || !Number.isFinite(value) ? 'never' : `${value.toFixed(0)} ms`;
}

async function sampleBatch(sample: string): Promise<ReturnType<typeof EventBuilder.withBody>[]> {
  const splitter = new LineSplitter();
  const lines = [...splitter.push(await readFile(sample)), ...splitter.end()].slice(0, BATCH_SIZE);
  return lines.map((line) => EventBuilder.withBody(line, { host: 'web-1', logtype: 'access' }));
}

/** Runs the stall and prints what happened; true when the same client recovered and nothing was lost. */
export async function demoRecovery(sample: string): Promise<boolean> {
  const server = new AvroSourceServer();
  const port = await server.listen(0, '127.0.0.1');
  const properties = { hosts: 'h1', 'hosts.h1': `127.0.0.1:${port}`, ...PROPERTIES };
  console.log(
    `An agent on 127.0.0.1:${port} (an AvroSourceServer in this process, the server \`flume-rpc serve\` runs, so its`,
  );
  console.log(
    'faults can be switched while it runs; `flume-rpc serve --stall-handshake inf` is the same stall from the command line).',
  );
  console.log(`One client from RpcClientFactory.create(${JSON.stringify(properties)}),`);
  console.log(`sending batches of ${BATCH_SIZE} sample lines back to back; it is never rebuilt.`);
  const client = RpcClientFactory.create(properties, { warn: (message) => console.log(`  warning: ${message}`) });
  if (!(client instanceof NettyAvroRpcClient)) throw new Error('client.type default should build a NettyAvroRpcClient');

  const t0 = performance.now();
  const at = (): string => `${((performance.now() - t0) / 1000).toFixed(2)} s`.padStart(7);
  client.on('retry', (info) =>
    console.log(
      `  ${at()}  client: ${info.cause.code} (${info.cause.message}); retry ${info.attempt} in ${info.delayMs.toFixed(0)} ms`,
    ),
  );
  client.on('error', (error) =>
    console.log(`  ${at()}  client: call failed with ${error.code}, reported to the caller`),
  );
  client.on('ready', () => console.log(`  ${at()}  client: connected and handshaken`));

  const producer = new BatchProducer(client, await sampleBatch(sample));
  let round: StallRound;
  let ackedBeforeStall: number;
  try {
    await Promise.race([producer.nextAck(), delay(STALL.recoveryBoundMs)]);
    await delay(HEALTHY_MS);
    ackedBeforeStall = client.counters.eventsAcknowledged;
    console.log(
      `  ${at()}  agent: drops its connections and stops answering handshakes (${ackedBeforeStall} events acknowledged so far)`,
    );
    const recovering = stallAndRecover(server, producer, STALL);
    await delay(STALL.stallMs);
    console.log(`  ${at()}  agent: answers handshakes again`);
    round = await recovering;
    console.log(`  ${at()}  client: first batch acknowledged since the recovery, same client instance`);
    await delay(HEALTHY_MS);
  } finally {
    await producer.stop();
    await client.close();
    await server.close();
  }
  const counters = client.counters;
  const figures: Array<[string, string]> = [
    [
      'stall detected (first handshake timeout)',
      `${ms(round.detectMs)} after the agent stalled (handshake-timeout ${PROPERTIES['handshake-timeout']} ms)`,
    ],
    ['retries made during the stall', String(round.retries)],
    ['connection attempts that timed out', String(round.handshakeTimeouts)],
    ['calls reported failed during the stall', String(round.failedDuringStall)],
    ['first batch acknowledged after recovery', `${ms(round.recoveryMs)} after the agent recovered`],
    ['events acknowledged: before the stall', String(ackedBeforeStall)],
    ['events acknowledged: since the stall began', String(counters.eventsAcknowledged - ackedBeforeStall)],
    ['events failed (reported to the caller)', String(counters.eventsFailed)],
    ['events acknowledged by the agent', String(server.stats.eventsAcknowledged)],
  ];
  console.log('');
  for (const [label, value] of figures) console.log(`${label.padEnd(42)} ${value}`);
  console.log('');
  for (const line of FLUME_CONTRAST) console.log(line);

  const ok =
    Number.isFinite(round.recoveryMs) &&
    round.handshakeTimeouts > 0 &&
    counters.eventsAcknowledged > ackedBeforeStall &&
    server.stats.eventsAcknowledged === counters.eventsAcknowledged &&
    counters.eventsReceived === counters.eventsAcknowledged + counters.eventsFailed;
  console.log(
    ok
      ? `\nOK: the same client recovered ${ms(round.recoveryMs)} after the agent did; every event was acknowledged or reported failed, none lost`
      : '\nFAILED: the client did not recover, or the client and the agent disagree on what was acknowledged',
  );
  return ok;
}

/** From flume-ng-sdk's NettyAvroRpcClient.java: a description, not a measurement. */
const FLUME_CONTRAST = [
  "Flume's Java NettyAvroRpcClient in the same situation, as its source reads",
  '(flume-ng-sdk/src/main/java/org/apache/flume/api/NettyAvroRpcClient.java; described, not run: the demo needs no Java):',
  '  - the call caught by the stall fails: a stalled handshake after connect-timeout (20 s by default),',
  '    "Handshake timed out after 20000 ms"; append and appendBatch catch any failure and set the state DEAD;',
  '  - no retry, and DEAD is final (setState refuses to leave it): after the agent recovered every call still',
  '    throws "RPC failed, client in an invalid state: DEAD";',
  '  - events delivered after the recovery: none, until the application closes that client and builds a new one.',
];
