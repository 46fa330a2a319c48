/**
 * `flume-rpc avro-client --dirname` as Flume's spooling reader behaves: hidden and completed
 * files skipped, each file renamed once acknowledged and never sent again, a changed file or a
 * taken completed name stops the run (exit 1) instead of resending. Real child processes against
 * an in-test AvroSourceServer on 127.0.0.1.
 */
import { appendFile, chmod, readdir, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import t, { type Test } from 'tap';
import { LOOPBACK, startRecordingServer, until, within } from '../fixtures/index.js';
import { CLI, runCli, runCliEach, startNode } from './helpers.js';

const send = (port: number, dir: string, ...more: string[]): string[] => [
  'avro-client',
  '-H',
  LOOPBACK,
  '-p',
  String(port),
  '--dirname',
  dir,
  ...more,
];
const names = async (dir: string): Promise<string[]> => (await readdir(dir)).sort();

t.test('hidden files and files already completed are skipped; a second run sends nothing', async (t) => {
  const server = await startRecordingServer(t);
  const dir = t.testdir({
    'a.log': 'a1\n',
    '.hidden.log': 'hidden\n',
    'old.log.COMPLETED': 'sent before\n',
    '.flumespool': { 'x.meta': 'meta\n' },
  });
  const first = await runCli(t, send(server.port, dir));
  t.equal(first.code, 0, first.stderr);
  t.same(server.bodies(), ['a1']);
  t.same(await names(dir), ['.flumespool', '.hidden.log', 'a.log.COMPLETED', 'old.log.COMPLETED']);
  const second = await runCli(t, send(server.port, dir));
  t.equal(second.code, 0, second.stderr);
  t.same(server.bodies(), ['a1'], 'nothing resent');
  t.match(second.stdout, /0 events read, 0 acknowledged, 0 failed, 0 files completed/);
});

t.test('--file-suffix names the completed files, and files with it are skipped', async (t) => {
  const server = await startRecordingServer(t);
  const dir = t.testdir({ 'a.log': 'a1\n', 'b.log.sent': 'b1\n', 'c.log.COMPLETED': 'c1\n' });
  const result = await runCli(t, send(server.port, dir, '--file-suffix', '.sent'));
  t.equal(result.code, 0, result.stderr);
  t.same(server.bodies().sort(), ['a1', 'c1'], 'a.log, and c.log.COMPLETED (not a completed name under this suffix)');
  t.same(await names(dir), ['a.log.sent', 'b.log.sent', 'c.log.COMPLETED.sent']);
});

t.test('a completed name already taken: exit 1 before the file is sent, nothing renamed', async (t) => {
  const server = await startRecordingServer(t);
  const dir = t.testdir({ 'a.log': 'a1\n', 'a.log.COMPLETED': 'an older a.log\n' });
  const result = await runCli(t, send(server.port, dir));
  t.equal(result.code, 1);
  t.match(
    result.stderr,
    `File name has been re-used with different files. Spooling assumptions violated for ${path.join(dir, 'a.log.COMPLETED')}`,
  );
  t.notMatch(result.stderr, /delivery to/, 'not a delivery failure');
  t.same(server.events, [], 'nothing sent');
  t.same(await names(dir), ['a.log', 'a.log.COMPLETED']);
});

/** Starts a run against a server that holds its answers, changes a.log once its events arrived, and returns the run's end. */
async function changedWhileSending(t: Test, change: (file: string) => Promise<void>) {
  const server = await startRecordingServer(t, { faults: { responseDelayMs: 1_000 } });
  const dir = t.testdir({ 'a.log': 'a1\na2\na3\n', 'b.log': 'b1\n' });
  await utimes(path.join(dir, 'a.log'), 1_000, 1_000);
  const cli = startNode(t, CLI, send(server.port, dir));
  await until(() => server.events.length === 3, "a.log's events to arrive", 10_000);
  await change(path.join(dir, 'a.log'));
  const exit = await within(cli.exited, 15_000, 'avro-client to stop');
  return { server, dir, exit };
}

t.test('a file modified while being sent: exit 1, not renamed, the next file not sent', async (t) => {
  const { server, dir, exit } = await changedWhileSending(t, (file) => appendFile(file, 'a4\n'));
  t.equal(exit.code, 1);
  t.match(exit.stderr, `File has been modified since being read: ${path.join(dir, 'a.log')}`);
  t.same(server.bodies(), ['a1', 'a2', 'a3'], 'what was read was sent; b.log was not');
  t.match(exit.stdout, /3 events read, 3 acknowledged, 0 failed, 0 files completed/);
  t.same(await names(dir), ['a.log', 'b.log']);
});

t.test('a file that changed size with its modification time put back: exit 1 (Flume checks both)', async (t) => {
  const { dir, exit } = await changedWhileSending(t, async (file) => {
    const before = await stat(file);
    await appendFile(file, 'a4\n');
    await utimes(file, before.atime, before.mtime);
  });
  t.equal(exit.code, 1);
  t.match(exit.stderr, `File has changed size since being read: ${path.join(dir, 'a.log')}`);
  t.same(await names(dir), ['a.log', 'b.log']);
});

t.test('a failed delivery leaves the file in place to be sent again', async (t) => {
  const server = await startRecordingServer(t, { faults: { forceStatus: 'FAILED' } });
  const dir = t.testdir({ 'a.log': 'a1\n' });
  const result = await runCli(t, send(server.port, dir));
  t.equal(result.code, 1);
  t.match(result.stderr, /delivery to .* failed: .*FAILED/);
  t.same(await names(dir), ['a.log']);
});

t.test(
  'usage: --file-suffix without --dirname, an empty suffix, a missing or non-directory --dirname: exit 2',
  async (t) => {
    const dir = t.testdir({ 'file.log': 'x\n' });
    const cases: Array<[string[], RegExp]> = [
      [['-F', path.join(dir, 'file.log'), '--file-suffix', '.done'], /--file-suffix needs --dirname/],
      [['--dirname', dir, '--file-suffix', ''], /--file-suffix must be a non-empty file name suffix/],
      [['--dirname', path.join(dir, 'nope')], /--dirname .*nope: ENOENT/],
      [['--dirname', path.join(dir, 'file.log')], /--dirname .*file\.log: not a directory/],
    ];
    const results = await runCliEach(
      t,
      cases.map(([args]) => ['avro-client', '-H', LOOPBACK, '-p', '1', ...args]),
    );
    results.forEach((result, i) => {
      t.equal(result.code, 2, cases[i]![0].join(' '));
      t.match(result.stderr, cases[i]![1]);
    });
    t.same(await names(dir), ['file.log'], 'nothing renamed');
  },
);

t.test(
  'a directory whose files cannot be renamed is refused before connecting (exit 2)',
  { skip: process.getuid?.() === 0 ? 'root may rename in any directory' : false },
  async (t) => {
    const dir = t.testdir({ spool: { 'a.log': 'a1\n' } });
    const spool = path.join(dir, 'spool');
    await chmod(spool, 0o555);
    t.teardown(() => chmod(spool, 0o755));
    const result = await runCli(t, ['avro-client', '-H', LOOPBACK, '-p', '1', '--dirname', spool]);
    t.equal(result.code, 2);
    t.match(result.stderr, /files cannot be read and renamed there/);
  },
);
