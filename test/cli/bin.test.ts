/**
 * The package's `flume-rpc` bin (packages/tools/bin/flume-rpc.js): a committed shim, so npm
 * links it in a fresh checkout before dist/ is built. It runs the built CLI, or says how to build.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { within } from '../fixtures/index.js';
import { ROOT, startNode } from './helpers.js';

const BIN = path.join(ROOT, 'packages/tools/bin/flume-rpc.js');

t.test('the bin runs the built CLI', async (t) => {
  const exit = await within(startNode(t, BIN, ['--help']).exited, 15_000, 'flume-rpc --help');
  t.equal(exit.code, 0);
  t.match(exit.stdout, /Usage: flume-rpc/);
  for (const command of ['avro-client', 'serve', 'bench']) t.match(exit.stdout, command);
});

t.test('without a built dist the bin says to run npm run build', async (t) => {
  // A copy of the package with the shim and no dist/.
  const dir = t.testdir({ bin: {} });
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  await copyFile(BIN, path.join(dir, 'bin/flume-rpc.js'));
  const exit = await within(startNode(t, path.join(dir, 'bin/flume-rpc.js'), ['--help']).exited, 15_000, 'the shim');
  t.equal(exit.code, 1);
  t.match(exit.stderr, /dist[/\\]cli[/\\]main\.js is missing/);
  t.match(exit.stderr, /npm run build/);
  t.equal(exit.stdout, '');
});
