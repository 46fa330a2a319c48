/**
 * How a client connection hands calls to its socket: calls made together leave in one writev,
 * even when each is larger than the socket stream's 16 KiB high-water mark, and a peer that stops
 * reading does not absorb every call: past the write budget calls wait in the connection's own
 * queue, where a timeout still takes them back unwritten.
 */
import t, { type Test } from 'tap';
import net from 'node:net';
import { type AvroFlumeEvent, RequestTimeoutError } from '@flume-rpc/netty-compat';
import { SLACK_MS, openTransceiver, startAvroSource, startStallableProxy, within } from '../fixtures/index.js';

/** `count` events of `bodyBytes` each, every one named by its batch so the server can tell what arrived. */
function batch(n: number, count: number, bodyBytes: number): AvroFlumeEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    headers: { batch: String(n), index: String(i) },
    body: Buffer.alloc(bodyBytes, n & 0xff),
  }));
}

/** Counts the writes Node's sockets to `port` dispatch: one per write or writev syscall batch. */
function countWritesTo(t: Test, port: number): { writes: number; writevs: number; chunks: number } {
  const counts = { writes: 0, writevs: 0, chunks: 0 };
  const proto = net.Socket.prototype as unknown as {
    _write(this: net.Socket, ...args: unknown[]): void;
    _writev(this: net.Socket, chunks: unknown[], ...rest: unknown[]): void;
  };
  const { _write: write, _writev: writev } = proto;
  proto._write = function (this: net.Socket, ...args: unknown[]) {
    if (this.remotePort === port) counts.writes += 1;
    write.apply(this, args);
  };
  proto._writev = function (this: net.Socket, chunks: unknown[], ...rest: unknown[]) {
    if (this.remotePort === port) {
      counts.writevs += 1;
      counts.chunks += chunks.length;
    }
    writev.call(this, chunks, ...rest);
  };
  t.teardown(() => {
    proto._write = write;
    proto._writev = writev;
  });
  return counts;
}

t.test('calls made together leave in one writev, each larger than the stream high-water mark', async (t) => {
  const server = await startAvroSource(t);
  const transceiver = openTransceiver(t, server.port);
  await within(transceiver.ready(), SLACK_MS, 'handshake');
  const counts = countWritesTo(t, server.port);
  // Each call is about 24 KiB, over the 16 KiB mark a write() answers false at.
  const calls = Array.from({ length: 4 }, (_, n) => transceiver.appendBatch(batch(n, 40, 600)));
  const statuses = await within(Promise.all(calls), SLACK_MS, 'four calls');
  t.same(statuses, ['OK', 'OK', 'OK', 'OK'], 'every call acknowledged');
  t.same(counts, { writes: 0, writevs: 1, chunks: 4 }, 'the four calls left in a single writev');
});

t.test('a stalled peer holds at most the write budget in Node; later calls time out unwritten', async (t) => {
  const received = new Set<string>();
  const server = await startAvroSource(t, {
    handlers: {
      appendBatch(events) {
        for (const event of events) received.add(event.headers['batch']!);
        return 'OK';
      },
    },
  });
  const proxy = await startStallableProxy(t, server.port);
  const timeoutMs = 500;
  const transceiver = openTransceiver(t, proxy.port, { requestTimeoutMs: timeoutMs });
  await within(transceiver.ready(), SLACK_MS, 'handshake through the proxy');
  proxy.stall();
  // 100 calls of 200 KiB: 20 MB, more than loopback's socket buffers and the budget hold together.
  const callCount = 100;
  const outcomes = await within(
    Promise.all(
      Array.from({ length: callCount }, (_, n) =>
        transceiver.appendBatch(batch(n, 20, 10 * 1024)).then(
          (status) => status,
          (err: unknown) => err,
        ),
      ),
    ),
    timeoutMs + SLACK_MS,
    'every call to settle',
  );
  const timedOut = outcomes.filter((outcome) => outcome instanceof RequestTimeoutError).length;
  t.equal(timedOut, callCount, 'every call timed out while the peer did not read');
  proxy.resume();
  // What was handed to the socket still arrives; give it time to, then count the batches.
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.ok(received.size > 0, `calls written before the stall filled the buffers arrive (${received.size})`);
  t.ok(
    received.size < callCount,
    `calls past the budget were never written (${callCount - received.size} of ${callCount})`,
  );
});
