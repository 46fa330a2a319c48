/**
 * `flume-rpc serve` as a child process: it prints its port, shows or stores what arrives, obeys
 * its fault flags, and on SIGINT/SIGTERM stops and prints the totals.
 */
import net from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { EventBuilder, StatusError } from '@flume-rpc/rpc-client';
import { LOOPBACK, within } from '../fixtures/index.js';
import { runCli, serveClient, startServe } from './helpers.js';

t.test("--print shows each event as Flume's logger sink; SIGTERM prints totals", async (t) => {
  const { cli, port } = await startServe(t, ['--print']);
  const c = serveClient(t, port);
  await c.append(EventBuilder.withBody('hello flume', { host: 'web-1', type: 'greeting' }));
  await c.appendBatch([EventBuilder.withBody(Buffer.from([0x00, 0x41, 0xff])), EventBuilder.withBody('')]);
  await cli.waitFor(/headers:\{\} body: }/, 5000);
  await c.close();
  cli.kill('SIGTERM');
  const exit = await within(cli.exited, 10_000, 'serve to stop');
  t.equal(exit.code, 0, exit.stderr);
  const lines = exit.stdout.split('\n');
  t.equal(lines[0], `listening on ${LOOPBACK}:${port}`);
  t.equal(
    lines[1],
    `Event: { headers:{host=web-1, type=greeting} body: 68 65 6C 6C 6F 20 66 6C 75 6D 65                hello flume }`,
  );
  t.equal(lines[2], `Event: { headers:{} body: 00 41 FF                                        .A. }`);
  t.equal(lines[3], 'Event: { headers:{} body: }');
  t.match(exit.stdout, /^total: 3 events received, 3 acknowledged, 0 refused; 2 calls, 0 refused; 1 connection$/m);
});

t.test('started with an IPC channel, serve stops by itself when its parent goes', async (t) => {
  const { cli, port } = await startServe(t, ['--count'], true);
  const c = serveClient(t, port);
  t.equal(await c.appendBatch([EventBuilder.withBody('a'), EventBuilder.withBody('b')]), undefined);
  await c.close();
  // What a parent killed by SIGKILL leaves: its end of the channel closed, no signal sent.
  t.ok(cli.child.connected, 'the channel is open');
  cli.child.disconnect();
  const exit = await within(cli.exited, 10_000, 'serve to stop on its own');
  t.equal(exit.code, 0, exit.stderr);
  t.match(exit.stdout, /^total: 2 events received, 2 acknowledged, 0 refused; 1 call, 0 refused; 1 connection$/m);
});

t.test('--jsonl appends events as JSON lines (utf8 text or base64); SIGINT stops it', async (t) => {
  const dir = t.testdir({ 'events.jsonl': '{"existing":true}\n' });
  const file = path.join(dir, 'events.jsonl');
  const { cli, port } = await startServe(t, ['--jsonl', file, '--count', '--interval', '1']);
  const c = serveClient(t, port);
  await c.appendBatch([
    EventBuilder.withBody('café au lait', { k: 'v' }),
    EventBuilder.withBody(Buffer.from([0xc3, 0x28, 0x00])),
  ]);
  // Acknowledged means written: the file already holds both.
  const written = (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
  t.same(written, [
    { existing: true },
    { headers: { k: 'v' }, body: 'café au lait', bodyEncoding: 'utf8' },
    { headers: {}, body: Buffer.from([0xc3, 0x28, 0x00]).toString('base64'), bodyEncoding: 'base64' },
  ]);
  await cli.waitFor(/^received 2 events$/m, 5000);
  await c.close();
  cli.kill('SIGINT');
  const exit = await within(cli.exited, 10_000, 'serve to stop');
  t.equal(exit.code, 0, exit.stderr);
  t.match(exit.stdout, /^total: 2 events received, 2 acknowledged, 0 refused; 1 call, 0 refused; 1 connection$/m);
});

t.test('fault flags: --fail, --delay, --stall-handshake, --drop-every', { jobs: 4 }, async (t) => {
  t.test('--fail answers FAILED, and the totals count the refused calls and events', async (t) => {
    const { cli, port } = await startServe(t, ['--fail']);
    const c = serveClient(t, port);
    const error = await c.append(EventBuilder.withBody('x')).catch((err: unknown) => err);
    t.type(error, StatusError);
    t.equal((error as StatusError).status, 'FAILED');
    const batch = await c
      .appendBatch([EventBuilder.withBody('a'), EventBuilder.withBody('b'), EventBuilder.withBody('c')])
      .catch((err: unknown) => err);
    t.type(batch, StatusError);
    await c.close();
    cli.kill('SIGTERM');
    const exit = await within(cli.exited, 10_000, 'serve to stop');
    t.equal(exit.code, 0, exit.stderr);
    t.match(exit.stdout, /^total: 4 events received, 0 acknowledged, 4 refused; 2 calls, 2 refused; 1 connection$/m);
  });
  t.test('--fail with --print: nothing is printed, the refusals are still counted', async (t) => {
    const { cli, port } = await startServe(t, ['--fail', '--print']);
    const c = serveClient(t, port);
    await c.appendBatch([EventBuilder.withBody('a'), EventBuilder.withBody('b')]).catch(() => undefined);
    await c.close();
    cli.kill('SIGTERM');
    const exit = await within(cli.exited, 10_000, 'serve to stop');
    t.notMatch(exit.stdout, /Event:/);
    t.match(exit.stdout, /^total: 2 events received, 0 acknowledged, 2 refused; 1 call, 1 refused; 1 connection$/m);
  });
  t.test('--delay holds every answer', async (t) => {
    const { port } = await startServe(t, ['--delay', '400']);
    const c = serveClient(t, port);
    await c.connect();
    const started = Date.now();
    await c.append(EventBuilder.withBody('x'));
    t.ok(Date.now() - started >= 350, `answered after ${Date.now() - started} ms`);
  });
  t.test('--stall-handshake inf never answers the handshake', async (t) => {
    const { port } = await startServe(t, ['--stall-handshake', 'inf']);
    const error = await serveClient(t, port, { connectTimeoutMs: 300 })
      .connect()
      .catch((err: unknown) => err);
    t.match(String(error), /Handshake with .* timed out/);
  });
  t.test('--drop-every 2 closes every second connection', async (t) => {
    const { cli, port } = await startServe(t, ['--drop-every', '2']);
    const first = serveClient(t, port);
    await first.append(EventBuilder.withBody('1'));
    const second = await serveClient(t, port)
      .connect()
      .catch((err: unknown) => err);
    t.type(second, Error, 'the second connection is dropped');
    const third = serveClient(t, port);
    await third.append(EventBuilder.withBody('3'));
    await Promise.all([first.close(), third.close()]);
    cli.kill('SIGTERM');
    const exit = await within(cli.exited, 10_000, 'serve to stop');
    t.match(exit.stdout, /total: 2 events received, 2 acknowledged, 0 refused; 2 calls, 0 refused; 3 connections/);
  });
});

t.test('bad usage exits 2; a port in use exits 1 naming it', async (t) => {
  const [both, badFlag] = await Promise.all([
    runCli(t, ['serve', '--print', '--count']),
    runCli(t, ['serve', '--delay', 'soon']),
  ]);
  t.equal(both.code, 2);
  t.match(both.stderr, /--print or --count, not both/);
  t.equal(badFlag.code, 2);
  t.match(badFlag.stderr, /--delay <ms>.*'soon' is invalid/);

  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, LOOPBACK, () => resolve()));
  t.teardown(() => new Promise<void>((resolve) => holder.close(() => resolve())));
  const port = (holder.address() as net.AddressInfo).port;
  const inUse = await runCli(t, ['serve', '--port', String(port)]);
  t.equal(inUse.code, 1);
  t.match(inUse.stderr, new RegExp(`EADDRINUSE.*${port}`));
});

t.test('avro-client to serve, both as processes', async (t) => {
  const { cli, port } = await startServe(t, ['--count']);
  const sent = await runCli(t, ['avro-client', '-H', LOOPBACK, '-p', String(port)], { input: 'a\nb\nc\n' });
  t.equal(sent.code, 0, sent.stderr);
  cli.kill('SIGTERM');
  const exit = await within(cli.exited, 10_000, 'serve to stop');
  t.match(exit.stdout, /total: 3 events received, 3 acknowledged/);
});
