import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { ephemeralRangeStart, listenRestartable } from '../../packages/tools/dist/bench/restartable-port.js';
import { LOOPBACK, startAvroSource } from '../fixtures/index.js';

function addressInUse(): NodeJS.ErrnoException {
  return Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
}

t.test('the ephemeral range start is read from the kernel file, else IANA 49152', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'port-range-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'ip_local_port_range');
  await writeFile(file, '40000\t60999\n');
  t.equal(ephemeralRangeStart(file), 40000);
  await writeFile(file, 'garbage\n');
  t.equal(ephemeralRangeStart(file), 49152, 'unreadable contents');
  t.equal(ephemeralRangeStart(path.join(dir, 'missing')), 49152, 'no such file');
});

t.test('a restartable port lies below the ephemeral range and can be listened on again', async (t) => {
  const server = await startAvroSource(t);
  const port = server.port;
  t.ok(port < ephemeralRangeStart(), `port ${port} is below ${ephemeralRangeStart()}`);
  t.ok(port >= 1024, 'not a privileged port');
  await server.close();
  t.equal(await server.listen(), port, 'the same port again after the close');
});

t.test('a port another listener holds is skipped; other errors are not retried', async (t) => {
  const tried: number[] = [];
  const port = await listenRestartable(async (candidate) => {
    tried.push(candidate);
    if (tried.length < 3) throw addressInUse();
    return candidate;
  });
  t.equal(tried.length, 3, 'two ports in use, the third taken');
  t.equal(port, tried[2]);

  const holder = net.createServer();
  t.teardown(() => holder.close());
  const held = await listenRestartable(
    (candidate) =>
      new Promise((resolve, reject) => {
        holder.once('error', reject);
        holder.listen(candidate, LOOPBACK, () => resolve(candidate));
      }),
  );
  const clash = net.createServer();
  t.teardown(() => clash.close());
  let clashed = 0;
  const other = await listenRestartable(
    (candidate) =>
      new Promise((resolve, reject) => {
        // The held port is offered first, as a random pick could: it must be passed over.
        const port = clashed === 0 ? held : candidate;
        clash.once('error', (err) => {
          clashed += 1;
          reject(err);
        });
        clash.listen(port, LOOPBACK, () => resolve(port));
      }),
  );
  t.equal(clashed, 1, 'EADDRINUSE from the kernel was retried');
  t.not(other, held);

  await t.rejects(
    listenRestartable(() => Promise.reject(Object.assign(new Error('denied'), { code: 'EACCES' }))),
    { code: 'EACCES' },
  );
  let attempts = 0;
  await t.rejects(
    listenRestartable(() => {
      attempts += 1;
      return Promise.reject(addressInUse());
    }),
    { code: 'EADDRINUSE' },
    'gives up with the last error',
  );
  t.ok(attempts > 1 && attempts <= 64, `bounded attempts (${attempts})`);
});
