/**
 * The Transceiver reuses a batch's encode buffer once the socket has written it. These tests
 * prove no buffer is reused early: every event must arrive byte for byte as sent, with the
 * socket congested (a peer that stops reading) and with batches of changing sizes pipelined.
 */
import t, { type Test } from 'tap';
import { type AvroFlumeEvent } from '@flume-rpc/netty-compat';
import { SLACK_MS, openTransceiver, startAvroSource, startStallableProxy, within } from '../fixtures/index.js';

/**
 * Batch `n`, every body filled with bytes that name it. Sizes vary with `n` when `varying`;
 * otherwise every batch has the same size, so every returned buffer fits the next batch.
 */
function batch(n: number, baseBytes: number, varying: boolean): AvroFlumeEvent[] {
  const count = varying ? 1 + (n % 7) * 5 : 20;
  return Array.from({ length: count }, (_, i) => {
    const body = Buffer.alloc(baseBytes + (varying ? (n * 131 + i * 17) % 2048 : 0));
    for (let k = 0; k < body.length; k += 1) body[k] = (n * 31 + i * 7 + k) & 0xff;
    return { headers: { batch: String(n), index: String(i) }, body };
  });
}

async function receivingServer(t: Test) {
  const received = new Map<string, Buffer>();
  const server = await startAvroSource(t, {
    handlers: {
      appendBatch(events) {
        // Copied: the server's views of the frame must not be what is compared later.
        for (const e of events) received.set(`${e.headers['batch']}/${e.headers['index']}`, Buffer.from(e.body));
        return 'OK';
      },
    },
  });
  return { server, received };
}

function checkAll(t: Test, batches: AvroFlumeEvent[][], received: Map<string, Buffer>): void {
  let wrong = 0;
  let total = 0;
  for (const events of batches) {
    for (const e of events) {
      total += 1;
      const got = received.get(`${e.headers['batch']}/${e.headers['index']}`);
      if (!got || !got.equals(e.body)) wrong += 1;
    }
  }
  t.equal(wrong, 0, `all ${total} events arrived exactly as sent`);
}

t.test('pipelined batches of changing sizes arrive intact', async (t) => {
  const { server, received } = await receivingServer(t);
  const transceiver = openTransceiver(t, server.port);
  const batches = Array.from({ length: 200 }, (_, n) => batch(n, 64, true));
  // 200 calls at once: many writes in flight, buffers handed back and taken again throughout.
  const statuses = await within(
    Promise.all(batches.map((events) => transceiver.appendBatch(events))),
    10 * SLACK_MS,
    'all batches',
  );
  t.ok(
    statuses.every((s) => s === 'OK'),
    'every batch acknowledged',
  );
  checkAll(t, batches, received);
});

t.test('batches written while the peer stops reading arrive intact once it reads again', async (t) => {
  const { server, received } = await receivingServer(t);
  // A proxy that can stop reading from the client, so the socket fills and writes wait in Node.
  const proxy = await startStallableProxy(t, server.port);
  const transceiver = openTransceiver(t, proxy.port, {
    requestTimeoutMs: 10 * SLACK_MS,
  });
  await within(transceiver.ready(), SLACK_MS, 'handshake through the proxy');
  proxy.stall();
  // About 12 MB: more than loopback's socket buffers hold, so the socket must report congestion.
  // One call per turn of the event loop, so each is encoded after the earlier ones were written:
  // a buffer handed back too early would be overwritten while its bytes still wait to be sent.
  const batches = Array.from({ length: 60 }, (_, n) => batch(n, 10 * 1024, false));
  const calls: Array<Promise<string>> = [];
  for (const events of batches) {
    calls.push(transceiver.appendBatch(events));
    await new Promise((resolve) => setImmediate(resolve));
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.ok(received.size < 1200, `the peer stopped reading before all was sent (${received.size} events in)`);
  proxy.resume();
  const statuses = await within(Promise.all(calls), 20 * SLACK_MS, 'all batches');
  t.ok(
    statuses.every((s) => s === 'OK'),
    'every batch acknowledged',
  );
  checkAll(t, batches, received);
});
