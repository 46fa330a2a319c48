/**
 * An Avro sink's section copied from an agent's configuration works as client properties: with
 * or without the `<agent>.sinks.<name>.` prefix, `hostname` + `port` as the one host (as Flume's
 * AbstractRpcSink builds its client); whatever cannot work is an error saying which keys to use.
 */
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import {
  ConfigurationError,
  type DefaultClientConfig,
  EventBuilder,
  RpcClientFactory,
  parseClientProperties,
} from '@flume-rpc/rpc-client';
import { startRecordingServer } from '../fixtures/index.js';

function parse(props: Record<string, string>): { config: DefaultClientConfig; warnings: string[] } {
  const warnings: string[] = [];
  const config = parseClientProperties(props, (w) => warnings.push(w)) as DefaultClientConfig;
  return { config, warnings };
}

function refusal(props: Record<string, string>): ConfigurationError {
  try {
    parseClientProperties(props, () => undefined);
  } catch (err) {
    if (err instanceof ConfigurationError) return err;
    throw err;
  }
  throw new Error('the properties were accepted');
}

t.test("an agent's sink section, prefix and all, connects and delivers", async (t) => {
  const agent = await startRecordingServer(t);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flume-rpc-sink-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'sink.properties');
  await writeFile(
    file,
    [
      '# copied from flume.conf',
      'agent1.sinks.avroSink.type = avro',
      'agent1.sinks.avroSink.channel = memoryChannel',
      'agent1.sinks.avroSink.hostname = 127.0.0.1',
      `agent1.sinks.avroSink.port = ${agent.port}`,
      'agent1.sinks.avroSink.batch-size = 50',
      'agent1.sinks.avroSink.request-timeout = 5000',
      'agent1.sinks.avroSink.reset-connection-interval = 600',
      '',
    ].join('\n'),
  );
  const warnings: string[] = [];
  const client = await RpcClientFactory.getInstance(file, { warn: (w) => warnings.push(w) });
  t.teardown(() => client.close());
  await client.appendBatch([EventBuilder.withBody('one'), EventBuilder.withBody('two')]);
  t.same(agent.bodies(), ['one', 'two']);
  t.equal(client.getBatchSize(), 50);
  t.match(warnings, [/channel \(memoryChannel\) is the sink's channel/]);
});

t.test('without the prefix: hostname + port are host h1, the other keys apply', async (t) => {
  const { config, warnings } = parse({
    type: 'avro',
    hostname: 'collector-1',
    port: '4545',
    'connect-timeout': '3000',
    'reset-connection-interval': '60',
  });
  t.same(config.host, { alias: 'h1', host: 'collector-1', port: 4545 });
  t.equal(config.options.connectTimeoutMs, 3000);
  t.equal(config.options.resetConnectionIntervalMs, 60_000);
  t.same(warnings, []);
  t.same(
    parse({ type: 'org.apache.flume.sink.AvroSink', hostname: '::1', port: '4545' }).config.host,
    { alias: 'h1', host: '::1', port: 4545 },
    "Flume's class name; IPv6 as written in a sink",
  );
});

t.test('what cannot work says which keys to use', async (t) => {
  t.match(refusal({ hostname: 'collector-1' }), { key: 'port', message: /hostname needs its port/ });
  t.match(refusal({ port: '4545' }), { key: 'hostname', message: /port needs its hostname/ });
  t.match(refusal({ hostname: 'a', port: '99999' }), { key: 'port', message: /1 to 65535/ });
  t.match(refusal({ hostname: 'a', port: '1', hosts: 'h1', 'hosts.h1': 'b:2' }), {
    key: 'hostname',
    message: /not both/,
  });
  t.match(refusal({ type: 'thrift', hostname: 'a', port: '1' }), { key: 'type', message: /only an Avro sink/ });
  t.match(
    refusal({
      'a1.sinks.k1.hostname': 'a',
      'a1.sinks.k1.port': '1',
      'a1.sinks.k2.hostname': 'b',
      'a1.sinks.k2.port': '2',
    }),
    { message: /a1\.sinks\.k1, a1\.sinks\.k2.*several sinks.*hosts = h1 h2/ },
  );
  t.match(refusal({ 'a1.sinks': 'k1', 'a1.sinks.k1.hostname': 'a', 'a1.sinks.k1.port': '1' }), {
    key: 'a1.sinks',
    message: /keep only the lines that start with a1\.sinks\.k1\./,
  });
  t.match(refusal({ 'a1.sinks.k1.hostname': 'a', 'a1.sinks.k1.port': '1', port: '2' }), {
    key: 'port',
    message: /both as a1\.sinks\.k1\.port and as port/,
  });
  t.match(refusal({ 'a1.sinks.k1.hostname': 'a', 'a1.sinks.k1.port': '1', 'a1.sinks.k1.hostName': 'x' }), {
    key: 'hostName',
    message: /did you mean hostname\?/,
  });
  t.match(refusal({ hosts: 'h1', 'hosts.h1': 'a:1', connectTimeout: '5' }), {
    key: 'connectTimeout',
    message: /did you mean connect-timeout\?/,
  });
});
