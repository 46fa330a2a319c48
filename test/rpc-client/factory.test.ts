/**
 * RpcClientFactory, as flume-ng-sdk's: getInstance (properties object, Map, or a .properties file
 * path) and getDefaultInstance connect eagerly, so a wrong address fails there; create() is lazy.
 * Bad properties are refused before any connection is attempted.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import {
  ConfigurationError,
  ConnectError,
  EventBuilder,
  NettyAvroRpcClient,
  RpcClientFactory,
} from '@flume-rpc/rpc-client';
import { defaultConnectionOptions } from '@flume-rpc/rpc-client/internal';
import { LOOPBACK, SLACK_MS, closedPort, failure, startRecordingServer, within } from '../fixtures/index.js';

/** A fresh directory under os.tmpdir(), removed (with everything in it) in teardown. */
async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flume-rpc-factory-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

t.test('getInstance(path): reads a .properties file, connects eagerly, sends', async (t) => {
  const rec = await startRecordingServer(t);
  const dir = await tempDir(t);
  const file = path.join(dir, 'client.properties');
  await writeFile(
    file,
    [
      '# written by the test',
      'client.type = DEFAULT',
      'hosts = agent',
      `hosts.agent = ${LOOPBACK}\\:${rec.port}`,
      'batch-size = 2',
      'request-timeout = 5\\',
      '  000',
      'max-retries = 1',
      '',
    ].join('\n'),
    'utf8',
  );
  const client = await within(RpcClientFactory.getInstance(file), SLACK_MS, 'getInstance(path)');
  t.teardown(() => client.close());
  t.type(client, NettyAvroRpcClient);
  const netty = client as NettyAvroRpcClient;
  t.equal(rec.server.stats.connectionsAccepted, 1, 'connected before any call (eager, like Java)');
  t.equal(netty.state, 'ready');
  t.equal(client.getBatchSize(), 2);
  t.equal(netty.options.requestTimeoutMs, 5000, 'the continued line was joined');
  t.equal(netty.options.maxRetries, 1);
  await client.appendBatch([EventBuilder.withBody('a'), EventBuilder.withBody('b'), EventBuilder.withBody('c')]);
  t.same(
    rec.calls.map((c) => c.bodies),
    [['a', 'b'], ['c']],
  );
  t.equal(client.isActive(), true);
});

t.test('getInstance(path) of a missing file: ConfigurationError naming the file', async (t) => {
  const dir = await tempDir(t);
  const missing = path.join(dir, 'nope.properties');
  const error = await failure(RpcClientFactory.getInstance(missing));
  t.type(error, ConfigurationError);
  t.equal((error as ConfigurationError).key, 'properties file');
  t.equal((error as ConfigurationError).value, missing);
});

t.test('getInstance(path) with a bad value: ConfigurationError, no connection attempted', async (t) => {
  const rec = await startRecordingServer(t);
  const dir = await tempDir(t);
  const file = path.join(dir, 'bad.properties');
  await writeFile(file, `hosts = h1\nhosts.h1 = ${LOOPBACK}:${rec.port}\nconnect-timeout = soon\n`, 'utf8');
  const error = await failure(RpcClientFactory.getInstance(file));
  t.type(error, ConfigurationError);
  t.equal((error as ConfigurationError).key, 'connect-timeout');
  t.equal((error as ConfigurationError).value, 'soon');
  t.equal(rec.server.stats.connectionsAccepted, 0);
});

t.test('getInstance(properties) with an unreachable host rejects with the connect error', async (t) => {
  const port = await closedPort();
  const error = await failure(
    RpcClientFactory.getInstance({
      hosts: 'h1',
      'hosts.h1': `${LOOPBACK}:${port}`,
      'max-retries': '1',
      'retry-backoff-initial': '10',
    }),
  );
  t.type(error, ConnectError);
});

t.test(
  'getInstance with a Map; an unknown key is refused, an ignored one warned through the warn option',
  async (t) => {
    const rec = await startRecordingServer(t);
    const warnings: string[] = [];
    const hosts: Array<[string, string]> = [
      ['hosts', 'h1'],
      ['hosts.h1', `${LOOPBACK}:${rec.port}`],
    ];
    await t.rejects(
      RpcClientFactory.getInstance(new Map([...hosts, ['requestTimeout', '100']]), { warn: (w) => warnings.push(w) }), // Flume spells it request-timeout
      { name: 'ConfigurationError', key: 'requestTimeout' },
    );
    const client = await RpcClientFactory.getInstance(new Map([...hosts, ['maxIoWorkers', '2']]), {
      warn: (w) => warnings.push(w),
    });
    t.teardown(() => client.close());
    t.equal(warnings.length, 1);
    t.match(warnings[0], /workers/);
    await client.append(EventBuilder.withBody('m'));
    t.same(rec.bodies(), ['m']);
  },
);

t.test('getInstance with connect: false, and create(): lazy, the first call connects', async (t) => {
  const rec = await startRecordingServer(t);
  const props = { hosts: 'h1', 'hosts.h1': `${LOOPBACK}:${rec.port}` };
  const lazy = await RpcClientFactory.getInstance(props, { connect: false });
  t.teardown(() => lazy.close());
  const created = RpcClientFactory.create(props);
  t.teardown(() => created.close());
  t.equal(rec.server.stats.connectionsAccepted, 0, 'neither connected yet');
  await created.append(EventBuilder.withBody('c'));
  await lazy.append(EventBuilder.withBody('l'));
  t.equal(rec.server.stats.connectionsAccepted, 2);
  t.same(rec.bodies(), ['c', 'l']);
});

t.test('create() with a bad property throws ConfigurationError synchronously', async (t) => {
  t.throws(() => RpcClientFactory.create({ hosts: 'h1', 'hosts.h1': 'localhost:99999' }), ConfigurationError);
  t.throws(
    () => RpcClientFactory.create({ 'client.type': 'thrift', hosts: 'h1', 'hosts.h1': 'a:1' }),
    ConfigurationError,
  );
});

t.test('create() from a typed ClientConfig', async (t) => {
  const rec = await startRecordingServer(t);
  const client = RpcClientFactory.create({
    clientType: 'default',
    host: { alias: 'typed', host: LOOPBACK, port: rec.port },
    options: defaultConnectionOptions({ batchSize: 3, requestTimeoutMs: 2000 }),
  });
  t.teardown(() => client.close());
  t.equal(client.getBatchSize(), 3);
  await client.append(EventBuilder.withBody('typed'));
  t.same(rec.bodies(), ['typed']);
});

t.test(
  'create() from a ClientConfig built in plain JS: missing options get defaults, bad ones are refused',
  async (t) => {
    const rec = await startRecordingServer(t);
    const host = { alias: 'js', host: LOOPBACK, port: rec.port };
    // Partial options (no batchSize, ...): filled in, not left undefined (which once sent empty batches).
    const client = RpcClientFactory.create({
      clientType: 'default',
      host,
      options: { requestTimeoutMs: 2000 },
    } as never);
    t.teardown(() => client.close());
    t.equal(client.getBatchSize(), 100);
    await client.appendBatch([EventBuilder.withBody('p1'), EventBuilder.withBody('p2')]);
    t.same(rec.bodies(), ['p1', 'p2']);
    const error = (() => {
      try {
        RpcClientFactory.create({
          clientType: 'default',
          host,
          options: { ...defaultConnectionOptions(), requestTimeoutMs: -1 },
        });
      } catch (err) {
        return err;
      }
      return null;
    })();
    t.type(error, ConfigurationError, 'an invalid typed option is refused');
    t.equal((error as ConfigurationError).key, 'request-timeout');
    t.throws(
      () => new NettyAvroRpcClient({ host: null as unknown as string, port: rec.port }),
      ConfigurationError,
      'a null host is a ConfigurationError, not a TypeError',
    );
  },
);

t.test('getDefaultInstance(host, port, batchSize): connected, with the batch size', async (t) => {
  const rec = await startRecordingServer(t);
  const client = await RpcClientFactory.getDefaultInstance(LOOPBACK, rec.port, 4);
  t.teardown(() => client.close());
  t.equal(rec.server.stats.connectionsAccepted, 1);
  t.equal(client.getBatchSize(), 4);
  const defaulted = await RpcClientFactory.getDefaultInstance(LOOPBACK, rec.port);
  t.teardown(() => defaulted.close());
  t.equal(defaulted.getBatchSize(), 100, "Flume's default batch size");
  await client.appendBatch(Array.from({ length: 9 }, (_, i) => EventBuilder.withBody(`d${i}`)));
  t.same(
    rec.calls.map((c) => c.bodies.length),
    [4, 4, 1],
  );
});

t.test('getDefaultInstance with a bad port or batch size: ConfigurationError', async (t) => {
  t.type(await failure(RpcClientFactory.getDefaultInstance(LOOPBACK, 0)), ConfigurationError);
  t.type(await failure(RpcClientFactory.getDefaultInstance('', 41414)), ConfigurationError);
  t.type(await failure(RpcClientFactory.getDefaultInstance(LOOPBACK, 41414, 0)), ConfigurationError);
});
