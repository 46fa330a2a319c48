/**
 * `flume-rpc avro-client` as a user runs it: a child process sending to an in-test
 * AvroSourceServer on 127.0.0.1.
 */
import { readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { LOOPBACK, SAMPLE, recordingServer, runCli } from './helpers.js';

t.test('sends a file, one event per line, and prints a summary', async (t) => {
  const server = await recordingServer(t);
  const result = await runCli(t, ['avro-client', '-H', LOOPBACK, '-p', String(server.port), '-F', SAMPLE, '-b', '50']);
  t.equal(result.code, 0, result.stderr);
  const lines = (await readFile(SAMPLE, 'utf8')).split('\n').slice(0, -1);
  t.equal(lines.length, 200, 'the sample log has 200 lines');
  t.same(server.bodies(), lines, 'every line arrived, in order, without its newline');
  t.same(server.calls, [50, 50, 50, 50], 'in batches of --batch-size');
  t.match(result.stdout, /200 events read, 200 acknowledged, 0 failed, elapsed [\d.]+ s, \d+ events\/s/);
  t.match(result.stdout, `${LOOPBACK}:${server.port}`);
});

t.test('reads stdin by default, splitting lines as Flume does', async (t) => {
  const server = await recordingServer(t);
  const input = 'first\r\nsecond\n\nthird\rfourth\n  spaced  \nlast without newline';
  const result = await runCli(t, ['avro-client', '--host', LOOPBACK, '--port', String(server.port)], { input });
  t.equal(result.code, 0, result.stderr);
  t.same(server.bodies(), ['first', 'second', '', 'third', 'fourth', '  spaced  ', 'last without newline']);
  t.match(result.stdout, /7 events read, 7 acknowledged/);
});

t.test('keeps bytes as they are (no decoding)', async (t) => {
  const server = await recordingServer(t);
  const input = Buffer.from([0xff, 0x00, 0xfe, 0x0a, 0xc3, 0xa9, 0x0a]);
  const result = await runCli(t, ['avro-client', '-H', LOOPBACK, '-p', String(server.port), '-F', '-'], { input });
  t.equal(result.code, 0, result.stderr);
  t.same(
    server.events.map((e) => [...e.body]),
    [
      [0xff, 0x00, 0xfe],
      [0xc3, 0xa9],
    ],
  );
});

t.test('-R adds the header file to every event', async (t) => {
  const server = await recordingServer(t);
  const dir = t.testdir({ 'headers.properties': '# Flume reads this with java.util.Properties\nhost = web-1\nlogtype=access\nwith\\ space=a b\n' });
  const result = await runCli(t, ['avro-client', '-H', LOOPBACK, '-p', String(server.port), '-R', path.join(dir, 'headers.properties')], {
    input: 'a\nb\n',
  });
  t.equal(result.code, 0, result.stderr);
  t.equal(server.events.length, 2);
  for (const event of server.events) t.same(event.headers, { host: 'web-1', logtype: 'access', 'with space': 'a b' });
});

t.test('--dirname sends every regular file of a directory, in name order', async (t) => {
  const server = await recordingServer(t);
  const dir = t.testdir({
    logs: {
      'b.log': 'b1\nb2\n',
      'a.log': 'a1\na2',
      'c.log': '',
      sub: { 'ignored.log': 'not sent\n' },
    },
  });
  const logs = path.join(dir, 'logs');
  await symlink(path.join(logs, 'a.log'), path.join(logs, 'd-link.log'));
  const result = await runCli(t, ['avro-client', '-H', LOOPBACK, '-p', String(server.port), '--dirname', logs]);
  t.equal(result.code, 0, result.stderr);
  t.same(server.bodies(), ['a1', 'a2', 'b1', 'b2', 'a1', 'a2'], 'a.log (its last line alone), b.log, the empty c.log, the symlink; not the subdirectory');
});

t.test('--help shows the flags and examples', async (t) => {
  const result = await runCli(t, ['avro-client', '--help']);
  t.equal(result.code, 0);
  for (const flag of ['--host', '--port', '--filename', '--headerFile', '--dirname', '--conf', '--batch-size', '--connect-timeout', '--request-timeout', '--max-retries']) {
    t.match(result.stdout, flag);
  }
  t.match(result.stdout, /Examples:/);
});
