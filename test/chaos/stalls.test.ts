/**
 * A server that stalls under a stream of batches: first it holds every handshake (connections
 * dropped, so the client must handshake again), then every answer. Each call caught in a stall
 * ends within its timeout with a typed error (none hangs), the client recovers when the server
 * does, and the ledger finds every acknowledged event stored; batches stored during the answer
 * stall were reported failed, resent, and are counted as duplicates.
 */
import t from 'tap';
import { NettyAvroRpcClient } from '@flume-rpc/rpc-client';
import { LOOPBACK, until } from '../fixtures/index.js';
import {
  CHAOS_TIMEOUTS,
  ChaosLedger,
  ledgerServer,
  progress,
  reconcile,
  startStream,
  streamOptions,
} from './helpers.js';

t.test('handshake stall, then response stall, under a stream', async (t) => {
  const ledger = new ChaosLedger();
  const server = await ledgerServer(t, ledger);
  const client = new NettyAvroRpcClient({ host: LOOPBACK, port: server.port, ...CHAOS_TIMEOUTS });
  t.teardown(() => client.close());
  const stream = startStream(client, ledger, streamOptions({ maxCalls: 600, maxMs: 10_000 }));
  await progress(stream, 20);

  server.setFaults({ handshakeStallMs: Number.POSITIVE_INFINITY });
  server.dropConnections();
  await until(() => (stream.errors['HandshakeTimeoutError'] ?? 0) >= 2, 'calls failed by the handshake stall', 10_000);
  const handshakeFailures = client.counters.handshakeFailures;
  server.setFaults({ handshakeStallMs: 0 });
  await progress(stream, 20);

  const storedBefore = ledger.reconcile().stored;
  server.setFaults({ responseDelayMs: Number.POSITIVE_INFINITY });
  await until(() => (stream.errors['RequestTimeoutError'] ?? 0) >= 2, 'calls failed by the answer stall', 10_000);
  const storedDuringStall = ledger.reconcile().stored - storedBefore;
  server.setFaults({ responseDelayMs: 0 });
  await progress(stream, 20);
  stream.stop();
  const result = await stream.done;
  await client.close();
  await server.close();

  t.ok(handshakeFailures > 0, `handshakes timed out (${handshakeFailures})`);
  t.ok(
    (result.errors['HandshakeTimeoutError'] ?? 0) > 0,
    'calls in the handshake stall were reported with HandshakeTimeoutError',
  );
  t.ok(
    (result.errors['RequestTimeoutError'] ?? 0) > 0,
    'calls in the answer stall were reported with RequestTimeoutError',
  );
  t.ok(storedDuringStall > 0, `the server stored ${storedDuringStall} event(s) it did not answer`);
  reconcile(t, ledger, result, client.counters);
  const slowest = result.callUs.maxValue / 1000;
  const bound =
    (CHAOS_TIMEOUTS.maxRetries! + 1) * (CHAOS_TIMEOUTS.connectTimeoutMs! + CHAOS_TIMEOUTS.handshakeTimeoutMs!) +
    CHAOS_TIMEOUTS.requestTimeoutMs! +
    3 * CHAOS_TIMEOUTS.retryBackoffMaxMs!;
  t.ok(
    slowest <= bound + 1000,
    `the slowest call (${slowest.toFixed(0)} ms) stayed within the documented bound (${bound} ms) plus slack`,
  );
});
