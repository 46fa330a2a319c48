import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { LOOPBACK } from '../fixtures/index.js';

// A caller that stops waiting (its signal aborted) while the client's connection round goes on
// must not leave that round's failure unhandled: Node would end the whole process for it.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = `
import net from 'node:net';
import { NettyAvroRpcClient } from '@flume-rpc/rpc-client';
const probe = net.createServer();
await new Promise((resolve) => probe.listen(0, '${LOOPBACK}', resolve));
const port = probe.address().port;
await new Promise((resolve) => probe.close(resolve));
const client = new NettyAvroRpcClient({ host: '${LOOPBACK}', port, maxRetries: 1, retryBackoffInitialMs: 10, retryBackoffMaxMs: 20 });
const done = new Promise((resolve) => client.on('state', (state) => state === 'transient_failure' && resolve()));
const aborted = new AbortController();
aborted.abort();
const outcome = await client.connect(aborted.signal).then(() => 'connected', (err) => err.name);
await done;
await new Promise((resolve) => setTimeout(resolve, 50));
await client.close();
console.log('survived ' + outcome);
`;

t.test('an aborted connect leaves no unhandled rejection when the round then fails', async (t) => {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    timeout: 20_000,
  });
  t.equal(run.status, 0, `the process exits 0 (stderr: ${run.stderr.slice(0, 400)})`);
  t.match(run.stdout, /survived AbortError/);
});
