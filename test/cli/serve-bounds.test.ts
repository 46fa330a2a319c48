/**
 * `flume-rpc serve`'s bounds flags: a bad value is a usage error (exit 2) naming the flag, and
 * each flag takes effect (what it closes or refuses is said on stderr and counted in the totals).
 * Also the per-slice event writer that keeps a large batch from holding the event loop.
 */
import path from 'node:path';
import { Writable } from 'node:stream';
import t from 'tap';
import { type AvroFlumeEvent, FLUME_PROTOCOL, encodeFrame, encodeRequest } from '@flume-rpc/netty-compat';
import { EventBuilder, NettyAvroRpcClient, RemoteError } from '@flume-rpc/rpc-client';
import { EVENTS_PER_WRITE, writeEvents } from '../../packages/tools/dist/cli/event-writer.js';
import { LOOPBACK, PING_FRAME, RawClient, frames, within } from '../fixtures/index.js';
import { type CliProcess, runCli, serveClient, startServe } from './helpers.js';

async function stop(cli: CliProcess): Promise<string> {
  cli.kill('SIGTERM');
  const exit = await within(cli.exited, 10_000, 'serve to stop');
  if (exit.code !== 0) throw new Error(`serve exited ${String(exit.code)}: ${exit.stderr}`);
  return exit.stdout;
}

t.test('a bad bound is a usage error naming the flag', { jobs: 4 }, async (t) => {
  const cases: Array<[string, string]> = [
    ['--handshake-timeout', '0'],
    ['--idle-timeout', 'soon'],
    ['--frame-read-timeout', '1.5'],
    ['--max-connections', '-3'],
    ['--max-buffered-bytes', '12x'],
    ['--max-batch-events', ''],
  ];
  for (const [flag, value] of cases) {
    t.test(`${flag} ${JSON.stringify(value)}`, async (t) => {
      const exit = await runCli(t, ['serve', '--port', '0', flag, value]);
      t.equal(exit.code, 2, 'exit code 2');
      t.match(
        exit.stderr,
        new RegExp(`option '${flag} <[a-z]+>' argument '${value.replace('.', '\\.')}' is invalid`),
        'names the flag and the value',
      );
      t.notMatch(exit.stdout, /listening/, 'never listened');
    });
  }
});

t.test('the flags take effect', { jobs: 4 }, async (t) => {
  t.test('--handshake-timeout and --idle-timeout close silent and quiet connections', async (t) => {
    const { cli, port } = await startServe(t, ['--handshake-timeout', '300', '--idle-timeout', '400']);
    await cli.waitFor(/bounds: --handshake-timeout 300, --idle-timeout 400/, 5000);
    const silent = await RawClient.connect(t, port);
    await silent.waitClosed(5000);
    await cli.waitFor(/did not complete an Avro handshake within the handshake timeout \(300 ms\)/, 5000);
    const c = serveClient(t, port);
    await c.append(EventBuilder.withBody('x'));
    // The client's connection goes idle and the server lets go of it.
    await cli.waitFor(/sent no frame within the idle timeout \(400 ms\)/, 5000);
    await c.close();
    t.match(
      await stop(cli),
      /^bounds: connections refused 0, timed out 2, closed over --max-buffered-bytes 0; batches refused 0$/m,
    );
  });

  t.test('--frame-read-timeout closes a byte-at-a-time sender', async (t) => {
    const { cli, port } = await startServe(t, ['--frame-read-timeout', '300']);
    const loris = await RawClient.connect(t, port);
    loris.write(PING_FRAME);
    await loris.collect(frames(1), 5000);
    const call = Buffer.concat(
      encodeFrame(
        2,
        encodeRequest(
          'append',
          FLUME_PROTOCOL.messages
            .get('append')!
            .request.toBuffer({ event: { headers: {}, body: Buffer.from('slow') } }),
        ),
      ),
    );
    let sent = 0;
    const drip = setInterval(() => {
      if (sent < call.length) loris.write(call.subarray(sent, ++sent));
    }, 50);
    t.teardown(() => clearInterval(drip));
    await loris.waitClosed(5000);
    t.ok(sent < call.length, `closed mid-frame (${sent} of ${call.length} bytes sent)`);
    await cli.waitFor(/did not complete a frame within the frame-read timeout \(300 ms\)/, 5000);
  });

  t.test('--max-connections refuses the next one, says so once and counts them', async (t) => {
    const { cli, port } = await startServe(t, ['--max-connections', '1']);
    const holder = await RawClient.connect(t, port);
    for (let i = 0; i < 2; i += 1) {
      const refused = await RawClient.connect(t, port);
      await refused.waitClosed(5000);
    }
    await cli.waitFor(/refused: 1 connections open \(--max-connections\); further refusals are only counted/, 5000);
    holder.socket.destroy();
    await holder.waitClosed(5000);
    // The slot frees once the server saw the close; the client retries until then.
    const c = new NettyAvroRpcClient({
      host: LOOPBACK,
      port,
      connectTimeoutMs: 5000,
      requestTimeoutMs: 5000,
      maxRetries: 5,
      retryBackoffInitialMs: 20,
    });
    t.teardown(() => c.close());
    await c.append(EventBuilder.withBody('in'));
    await c.close();
    t.equal((cli.stderr().match(/refused/g) ?? []).length, 1, 'one line for the refusals');
    t.match(await stop(cli), /^bounds: connections refused [2-9]\d*, timed out 0/m);
  });

  t.test('--max-buffered-bytes closes the largest unfinished frames', async (t) => {
    const { cli, port } = await startServe(t, ['--max-buffered-bytes', '1m']);
    const hogs = await Promise.all([0, 1, 2].map(() => RawClient.connect(t, port)));
    const header = Buffer.alloc(12);
    header.writeInt32BE(1, 0);
    header.writeInt32BE(1, 4);
    header.writeInt32BE(1_000_000, 8);
    for (const hog of hogs) hog.write(Buffer.concat([header, Buffer.alloc(500_000)]));
    await cli.waitFor(/was the largest when all unfinished frames went over maxBufferedBytes \(1048576\)/, 5000);
    const c = serveClient(t, port);
    await c.append(EventBuilder.withBody('still served'));
  });

  t.test('--max-batch-events answers a larger batch with an error; the connection takes smaller ones', async (t) => {
    const dir = t.testdir({});
    const { cli, port } = await startServe(t, ['--max-batch-events', '10', '--jsonl', path.join(dir, 'events.jsonl')]);
    const c = serveClient(t, port, { batchSize: 1000 });
    const batch = (n: number) => Array.from({ length: n }, (_, i) => EventBuilder.withBody(`e${i}`));
    const error = await c.appendBatch(batch(11)).then(
      () => null,
      (err: unknown) => err,
    );
    t.ok(error instanceof RemoteError, String(error));
    t.match(String((error as Error).message), /over maxBatchEvents \(10\)/);
    await c.appendBatch(batch(10));
    await cli.waitFor(/call from 127\.0\.0\.1:\d+ refused: appendBatch of at least 11 events/, 5000);
    await c.close();
    t.match(await stop(cli), /^total: 10 events received, 10 acknowledged/m);
  });
});

t.test('writeEvents formats and writes a slice at a time, giving the event loop a turn between slices', async (t) => {
  const log: string[] = [];
  // Takes every write at once, as a pipe or file on Linux may: only setImmediate lets others in.
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      log.push(`write ${chunk.toString().split('\n').length - 1}`);
      callback();
    },
  });
  const events: AvroFlumeEvent[] = Array.from({ length: EVENTS_PER_WRITE * 2 + 5 }, () => ({
    headers: {},
    body: Buffer.from('x'),
  }));
  const done = writeEvents(sink, events, () => 'line\n');
  setImmediate(() => log.push('other work'));
  await done;
  t.same(log, [`write ${EVENTS_PER_WRITE}`, 'other work', `write ${EVENTS_PER_WRITE}`, 'write 5']);
});
