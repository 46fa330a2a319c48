/**
 * `flume-rpc avro-client -P` with `client.type = http`: the file's lines reach a Flume HTTP
 * source as events, and a source that keeps answering 503 makes the command fail with exit 1,
 * naming the source's message.
 */
import path from 'node:path';
import t, { type Test } from 'tap';
import { runCli } from '../cli/helpers.js';
import { startSource } from './helpers.js';

/** Files in the test's own directory (removed by tap). */
function write(t: Test, files: Record<string, string>): string {
  const dir = t.testdir(files);
  return dir;
}

t.test('avro-client -P sends a file to an HTTP source', async (t) => {
  const source = await startSource(t);
  const dir = write(t, {
    'client.properties': `client.type = http\nhosts = h1\nhosts.h1 = ${source.url}\n`,
    'lines.txt': 'first line\nsecond line\n',
  });
  const exit = await runCli(t, [
    'avro-client',
    '-P',
    path.join(dir, 'client.properties'),
    '-F',
    path.join(dir, 'lines.txt'),
  ]);
  t.equal(exit.code, 0, exit.stderr);
  t.match(exit.stderr + exit.stdout, /2 acknowledged/);
  t.same(
    source.events.map((e) => e.body.toString()),
    ['first line', 'second line'],
  );
});

t.test('avro-client -P exits 1 when the source stays full, with its message', async (t) => {
  const source = await startSource(t, { plan: Array.from({ length: 10 }, () => ({ status: 503 as const })) });
  const dir = write(t, {
    'client.properties': `client.type = http\nhosts = h1\nhosts.h1 = ${source.url}\nmax-retries = 1\nretry-backoff-initial = 10\n`,
  });
  const exit = await runCli(t, ['avro-client', '-P', path.join(dir, 'client.properties')], { input: 'only line\n' });
  t.equal(exit.code, 1);
  t.match(exit.stderr, /503/);
  t.match(exit.stderr, /Channel might be full/);
  t.equal(source.events.length, 0);
});
