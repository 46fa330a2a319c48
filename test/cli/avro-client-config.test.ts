/**
 * `flume-rpc avro-client` configuration and failures: client properties files (default, failover,
 * load balancing), bad flags, missing input, an unreachable host, a server that answers FAILED.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { LOOPBACK, closedPort, startRecordingServer } from '../fixtures/index.js';
import { SAMPLE, runCli } from './helpers.js';

t.test('-P: a client properties file (default client) and flags that override it', async (t) => {
  const server = await startRecordingServer(t);
  const dir = t.testdir({
    'client.properties': `client.type = default\nhosts = h1\nhosts.h1 = ${LOOPBACK}:${server.port}\nbatch-size = 3\nmaxIoWorkers = 4\n`,
  });
  const conf = path.join(dir, 'client.properties');
  const first = await runCli(t, ['avro-client', '-P', conf], { input: '1\n2\n3\n4\n5\n' });
  t.equal(first.code, 0, first.stderr);
  t.same(server.sizes(), [3, 2], 'batch-size from the file');
  t.match(
    first.stderr,
    /warning: Specifying the number of workers is no longer supported/,
    'a key Flume ignores too is warned about, as Flume does',
  );
  const typo = path.join(dir, 'typo.properties');
  fs.writeFileSync(typo, `hosts = h1\nhosts.h1 = ${LOOPBACK}:${server.port}\nbatch-sise = 3\n`);
  const refused = await runCli(t, ['avro-client', '--rpcProps', typo], { input: '1\n' });
  t.equal(refused.code, 2, 'an unknown key is a configuration error');
  t.match(refused.stderr, /batch-sise/);

  server.calls.length = 0;
  const second = await runCli(t, ['avro-client', '--conf-file', conf, '-b', '4'], { input: '1\n2\n3\n4\n5\n' });
  t.equal(second.code, 0, second.stderr);
  t.same(server.sizes(), [4, 1], '-b overrides the file');
});

t.test('-P with client.type=default_failover: a dead first host fails over to the next', async (t) => {
  const server = await startRecordingServer(t);
  const dead = await closedPort();
  const dir = t.testdir({
    'failover.properties': [
      'client.type = default_failover',
      'hosts = h1 h2',
      `hosts.h1 = ${LOOPBACK}:${dead}`,
      `hosts.h2 = ${LOOPBACK}:${server.port}`,
      'max-retries = 0',
      'connect-timeout = 1000',
      '',
    ].join('\n'),
  });
  const result = await runCli(t, ['avro-client', '-P', path.join(dir, 'failover.properties')], { input: 'x\ny\nz\n' });
  t.equal(result.code, 0, result.stderr);
  t.same(server.bodies(), ['x', 'y', 'z']);
  t.match(result.stdout, /3 acknowledged/);
});

t.test('-P with client.type=default_loadbalance spreads batches over the hosts', async (t) => {
  const one = await startRecordingServer(t);
  const two = await startRecordingServer(t);
  const dir = t.testdir({
    'lb.properties': [
      'client.type = default_loadbalance',
      'hosts = h1 h2',
      `hosts.h1 = ${LOOPBACK}:${one.port}`,
      `hosts.h2 = ${LOOPBACK}:${two.port}`,
      'host-selector = round_robin',
      'batch-size = 2',
      '',
    ].join('\n'),
  });
  const result = await runCli(t, ['avro-client', '-P', path.join(dir, 'lb.properties'), '--max-inflight', '1'], {
    input: '1\n2\n3\n4\n5\n6\n7\n8\n',
  });
  t.equal(result.code, 0, result.stderr);
  t.equal(one.events.length + two.events.length, 8, 'every event arrived once');
  t.ok(
    one.events.length > 0 && two.events.length > 0,
    `both hosts got batches (${one.sizes().length} and ${two.sizes().length} calls)`,
  );
  t.match(result.stdout, /default_loadbalance/);
});

t.test('a bad flag exits 2 with a message', async (t) => {
  const [result, badPort, noHost, both] = await Promise.all([
    runCli(t, ['avro-client', '--no-such-flag']),
    runCli(t, ['avro-client', '-H', LOOPBACK, '-p', 'http']),
    runCli(t, ['avro-client', '-p', '41414']),
    runCli(t, ['avro-client', '-H', LOOPBACK, '-p', '1', '-F', SAMPLE, '--dirname', '.']),
  ]);
  t.equal(result.code, 2);
  t.match(result.stderr, /unknown option '--no-such-flag'/);
  t.equal(badPort.code, 2);
  t.match(badPort.stderr, /-p, --port <port>.*'http' is invalid/);
  t.equal(noHost.code, 2);
  t.match(noHost.stderr, /a host is required/);
  t.equal(both.code, 2);
  t.match(both.stderr, /not both/);
});

t.test('a missing input file exits 2 naming it, before connecting', async (t) => {
  const port = await closedPort();
  const result = await runCli(t, ['avro-client', '-H', LOOPBACK, '-p', String(port), '-F', '/nonexistent/file.log']);
  t.equal(result.code, 2);
  t.match(result.stderr, /-F\/--filename \/nonexistent\/file\.log: ENOENT/);
  t.notMatch(result.stderr, /ECONNREFUSED|attempt/, 'nothing tried to connect');
});

t.test('an unreachable host exits 1 with one line naming the host and the error', async (t) => {
  const port = await closedPort();
  const started = Date.now();
  const result = await runCli(t, [
    'avro-client',
    '-H',
    LOOPBACK,
    '-p',
    String(port),
    '--connect-timeout',
    '500',
    '--max-retries',
    '0',
    '-F',
    SAMPLE,
  ]);
  t.equal(result.code, 1);
  const lines = result.stderr.trim().split('\n');
  t.equal(lines.length, 1, `one line: ${result.stderr}`);
  t.match(lines[0], `${LOOPBACK}:${port}`);
  t.match(lines[0], /ECONNREFUSED/);
  t.match(result.stdout, /0 acknowledged/);
  t.ok(Date.now() - started < 10_000, 'fails fast');
});

t.test('a server that answers FAILED: exit 1, events counted as failed', async (t) => {
  const server = await startRecordingServer(t, { faults: { forceStatus: 'FAILED' } });
  const result = await runCli(t, ['avro-client', '-H', LOOPBACK, '-p', String(server.port)], { input: 'a\nb\n' });
  t.equal(result.code, 1);
  t.match(result.stderr, new RegExp(`delivery to ${LOOPBACK}:${server.port} failed: .*FAILED`));
  t.match(result.stdout, /2 events read, 0 acknowledged, 2 failed/);
});

t.test("-P: an agent's Avro sink section, copied with its prefix, is a client properties file", async (t) => {
  const server = await startRecordingServer(t);
  const dir = t.testdir({
    'sink.properties': [
      'a1.sinks.k1.type = avro',
      'a1.sinks.k1.channel = c1',
      `a1.sinks.k1.hostname = ${LOOPBACK}`,
      `a1.sinks.k1.port = ${server.port}`,
      'a1.sinks.k1.batch-size = 2',
      '',
    ].join('\n'),
    'agent.properties': [
      'a1.sinks = k1',
      `a1.sinks.k1.hostname = ${LOOPBACK}`,
      `a1.sinks.k1.port = ${server.port}`,
      '',
    ].join('\n'),
  });
  const result = await runCli(t, ['avro-client', '-P', path.join(dir, 'sink.properties')], { input: '1\n2\n3\n' });
  t.equal(result.code, 0, result.stderr);
  t.same(server.sizes(), [2, 1], "the sink's batch-size, not the CLI's default");
  t.match(result.stderr, /warning: channel \(c1\) is the sink's channel/);
  const refused = await runCli(t, ['avro-client', '-P', path.join(dir, 'agent.properties')], { input: '1\n' });
  t.equal(refused.code, 2);
  t.match(refused.stderr, /a1\.sinks.*keep only the lines that start with a1\.sinks\.k1\./);
});
