/**
 * `flume-rpc avro-client` as a user runs it: a child process sending to an in-test
 * AvroSourceServer on 127.0.0.1.
 */
import { readFile, readdir, symlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { LOOPBACK, startRecordingServer } from '../fixtures/index.js';
import { SAMPLE, runCli } from './helpers.js';

t.test('sends a file, one event per line, and prints a summary', async (t) => {
  const server = await startRecordingServer(t);
  const result = await runCli(t, ['avro-client', '-H', LOOPBACK, '-p', String(server.port), '-F', SAMPLE, '-b', '50']);
  t.equal(result.code, 0, result.stderr);
  const lines = (await readFile(SAMPLE, 'utf8')).split('\n').slice(0, -1);
  t.equal(lines.length, 200, 'the sample log has 200 lines');
  t.same(server.bodies(), lines, 'every line arrived, in order, without its newline');
  t.same(server.sizes(), [50, 50, 50, 50], 'in batches of --batch-size');
  t.match(result.stdout, /200 events read, 200 acknowledged, 0 failed, elapsed [\d.]+ s, \d+ events\/s/);
  t.match(result.stdout, `${LOOPBACK}:${server.port}`);
});

t.test('reads stdin by default, splitting lines as Flume does', async (t) => {
  const server = await startRecordingServer(t);
  const input = 'first\r\nsecond\n\nthird\rfourth\n  spaced  \nlast without newline';
  const result = await runCli(t, ['avro-client', '--host', LOOPBACK, '--port', String(server.port)], { input });
  t.equal(result.code, 0, result.stderr);
  t.same(server.bodies(), ['first', 'second', '', 'third', 'fourth', '  spaced  ', 'last without newline']);
  t.match(result.stdout, /7 events read, 7 acknowledged/);
});

t.test('keeps bytes as they are (no decoding)', async (t) => {
  const server = await startRecordingServer(t);
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
  const server = await startRecordingServer(t);
  const dir = t.testdir({
    'headers.properties':
      '# Flume reads this with java.util.Properties\nhost = web-1\nlogtype=access\nwith\\ space=a b\n',
  });
  const result = await runCli(
    t,
    ['avro-client', '-H', LOOPBACK, '-p', String(server.port), '-R', path.join(dir, 'headers.properties')],
    {
      input: 'a\nb\n',
    },
  );
  t.equal(result.code, 0, result.stderr);
  t.equal(server.events.length, 2);
  for (const event of server.events) t.same(event.headers, { host: 'web-1', logtype: 'access', 'with space': 'a b' });
});

t.test('--dirname sends every regular file of a directory, oldest first, and renames each to .COMPLETED', async (t) => {
  const server = await startRecordingServer(t);
  const dir = t.testdir({
    logs: {
      'b.log': 'b1\nb2\n',
      'a.log': 'a1\na2',
      'c.log': '',
      sub: { 'ignored.log': 'not sent\n' },
    },
    'outside.log': 'o1\no2\n',
  });
  const logs = path.join(dir, 'logs');
  // Flume's spooling reader takes the oldest file first (modification time, then name).
  await utimes(path.join(logs, 'b.log'), 1_000, 1_000);
  await utimes(path.join(logs, 'a.log'), 2_000, 2_000);
  await utimes(path.join(logs, 'c.log'), 2_000, 2_000);
  await symlink(path.join(dir, 'outside.log'), path.join(logs, 'd-link.log'));
  const result = await runCli(t, ['avro-client', '-H', LOOPBACK, '-p', String(server.port), '--dirname', logs]);
  t.equal(result.code, 0, result.stderr);
  t.same(
    server.bodies(),
    ['b1', 'b2', 'a1', 'a2', 'o1', 'o2'],
    'b.log, a.log (its last line alone), the empty c.log, the symlink (newest); not the subdirectory',
  );
  t.same(server.sizes(), [2, 2, 2], 'a batch never spans two files');
  t.same((await readdir(logs)).sort(), [
    'a.log.COMPLETED',
    'b.log.COMPLETED',
    'c.log.COMPLETED',
    'd-link.log.COMPLETED',
    'sub',
  ]);
  t.match(result.stdout, /6 events read, 6 acknowledged, 0 failed, 4 files completed/);
});

t.test('--help shows the flags and examples', async (t) => {
  const result = await runCli(t, ['avro-client', '--help']);
  t.equal(result.code, 0);
  for (const flag of [
    '--host',
    '--port',
    '--filename',
    '--headerFile',
    '--dirname',
    '--file-suffix',
    '--rpcProps',
    '--conf-file',
    '--conf <dir>',
    '--batch-size',
    '--connect-timeout',
    '--request-timeout',
    '--max-retries',
  ]) {
    t.match(result.stdout, flag);
  }
  t.match(result.stdout, /Examples:/);
  t.match(result.stdout, /flume-ng avro-client sends 5 events per call/, 'the batch size difference is stated');
  t.match(result.stdout, /Exit codes: 0 .*; 1 .*; 2 bad usage/s);
});
