/**
 * Ctrl-C on `flume-rpc avro-client`: it stops reading, lets the batches in flight finish, closes
 * the client, prints how many events were acknowledged and exits 130.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { LOOPBACK, startRecordingServer, until, within } from '../fixtures/index.js';
import { CLI, startNode } from './helpers.js';

t.test('SIGINT mid-file against a slow server: exit 130, acknowledged = what the server took', async (t) => {
  // 200 ms per answer, 4 batches of 100 in flight: ~2000 events/s, so 100k lines take ~50 s.
  const server = await startRecordingServer(t, { faults: { responseDelayMs: 200 } });
  const dir = t.testdir({});
  const file = path.join(dir, 'big.log');
  await writeFile(file, Array.from({ length: 100_000 }, (_, i) => `line ${i}`).join('\n'));
  const cli = startNode(t, CLI, ['avro-client', '-H', LOOPBACK, '-p', String(server.port), '-F', file]);
  await until(() => server.server.stats.callsAnswered >= 3, 'a few batches to arrive', 15_000);
  const signalledAt = Date.now();
  cli.kill('SIGINT');
  const exit = await within(cli.exited, 10_000, 'avro-client to exit after SIGINT');
  t.equal(exit.code, 130, exit.stderr);
  t.ok(Date.now() - signalledAt < 8_000, 'stops promptly (batches in flight take 200 ms)');
  const match = /interrupted: (\d+) events read, (\d+) acknowledged, (\d+) failed/.exec(exit.stdout);
  t.ok(match, `summary: ${exit.stdout}`);
  const acknowledged = Number(match?.[2]);
  t.ok(acknowledged > 0 && acknowledged < 100_000, `some but not all acknowledged (${acknowledged})`);
  t.equal(Number(match?.[3]), 0, 'batches in flight were waited for, not failed');
  t.equal(
    acknowledged,
    server.server.stats.eventsAcknowledged,
    'the client counted exactly what the server acknowledged',
  );
  t.same(server.bodies().slice(0, 3), ['line 0', 'line 1', 'line 2']);
});

t.test('SIGINT while stdin is open but idle: lines already read are sent, then exit 130', async (t) => {
  const server = await startRecordingServer(t);
  const cli = startNode(t, CLI, ['avro-client', '-H', LOOPBACK, '-p', String(server.port), '-b', '10'], {
    stdin: 'pipe',
  });
  // 25 lines: two full batches go at once, the last 5 wait for more input (stdin stays open).
  cli.child.stdin!.write(Array.from({ length: 25 }, (_, i) => `event ${i}\n`).join(''));
  await until(() => server.events.length >= 20, 'the full batches to arrive', 15_000);
  cli.kill('SIGINT');
  const exit = await within(cli.exited, 10_000, 'avro-client to exit after SIGINT');
  t.equal(exit.code, 130, exit.stderr);
  t.match(exit.stdout, /interrupted: 25 events read, 25 acknowledged, 0 failed/);
  t.equal(server.events.length, 25, 'nothing read was lost');
  cli.child.stdin!.destroy();
});

t.test('a partial batch on a quiet pipe is sent after a short wait, without an interrupt', async (t) => {
  const server = await startRecordingServer(t);
  const cli = startNode(t, CLI, ['avro-client', '-H', LOOPBACK, '-p', String(server.port)], { stdin: 'pipe' });
  cli.child.stdin!.write('one\ntwo\n');
  // Bounded generously: the child's start-up on a loaded machine counts too; the linger itself is 1 s.
  await until(() => server.events.length === 2, 'the lingering batch', 15_000);
  t.same(server.bodies(), ['one', 'two']);
  cli.child.stdin!.end('three\n');
  const exit = await within(cli.exited, 10_000, 'avro-client to finish');
  t.equal(exit.code, 0, exit.stderr);
  t.match(exit.stdout, /3 events read, 3 acknowledged/);
});
