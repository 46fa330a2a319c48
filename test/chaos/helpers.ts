/**
 * Shared by the fault tests: the ledger, the call stream and the fault tools come from the
 * benchmark's own modules (one implementation for the suite and `bench --scenario chaos`); here
 * only what a test adds: servers that store into a ledger (closed in teardown), short timeouts,
 * and the reconciliation every fault test ends with.
 */
import type { Test } from 'tap';
import type { AvroSourceServer, FaultPlan } from '@flume-rpc/netty-compat';
import type { ConnectionOptions, ClientCounters } from '@flume-rpc/rpc-client';
import { ChaosLedger, describeReconciliation } from '../../packages/tools/dist/bench/chaos-ledger.js';
import { type StreamOptions, type StreamResult, startStream } from '../../packages/tools/dist/bench/chaos-stream.js';
import { DamagingProxy } from '../../packages/tools/dist/bench/damaging-proxy.js';
import { type GarbageKind, GarbageServer } from '../../packages/tools/dist/bench/garbage-server.js';
import { SLACK_MS, startAvroSource, until } from '../fixtures/index.js';

export { ChaosLedger, startStream };
export type { StreamResult };

/**
 * A few hundred ms each, so a fault costs little wall time, yet far above a healthy loopback call
 * on a loaded two-core box. Every call is bounded by these: none can hang the suite.
 */
export const CHAOS_TIMEOUTS: Readonly<Partial<ConnectionOptions>> = Object.freeze({
  connectTimeoutMs: 400,
  handshakeTimeoutMs: 400,
  requestTimeoutMs: 600,
  maxRetries: 2,
  retryBackoffInitialMs: 10,
  retryBackoffMaxMs: 50,
});

/** A stream bounded by count and by time; tests override what they need. */
export function streamOptions(changes: Partial<StreamOptions> = {}): StreamOptions {
  return {
    maxCalls: 400,
    maxMs: 6000,
    settleMs: 3000,
    concurrency: 4,
    batchSize: 10,
    resendFailed: true,
    pauseAfterFailureMs: 5,
    ...changes,
  };
}

/** An AvroSourceServer on 127.0.0.1 that stores into `ledger`; closed in teardown. */
export async function ledgerServer(
  t: Test,
  ledger: ChaosLedger,
  faults: Partial<FaultPlan> = {},
): Promise<AvroSourceServer> {
  return startAvroSource(t, { handlers: ledger.handlers(), faults });
}

export async function damagingProxy(t: Test, targetPort: number): Promise<DamagingProxy> {
  const proxy = await DamagingProxy.start(targetPort);
  t.teardown(() => proxy.close());
  return proxy;
}

export async function garbageServer(t: Test, kind: GarbageKind): Promise<GarbageServer> {
  const server = await GarbageServer.start(kind);
  t.teardown(() => server.close());
  return server;
}

/** Waits until the stream has settled `calls` more calls than now (bounded). */
export function progress(stream: { readonly settledCalls: number }, calls: number, ms = 2 * SLACK_MS): Promise<void> {
  const target = stream.settledCalls + calls;
  return until(() => stream.settledCalls >= target, `${calls} more settled calls`, ms);
}

/**
 * What every fault test ends with, once every call settled and the servers are stopped: no
 * acknowledged event missing, nothing stored that was never sent, no call hanging or failing
 * with an untyped error, the client's counters balanced and agreeing with the ledger.
 */
export function reconcile(
  t: Test,
  ledger: ChaosLedger,
  result: StreamResult,
  counters: ClientCounters,
  expectDelivery = true,
): void {
  const r = ledger.reconcile();
  t.comment(
    `${describeReconciliation(r)}; calls ${result.calls} (${result.acknowledgedCalls} ok, ${result.failedCalls} failed: ${JSON.stringify(result.errors)})`,
  );
  t.equal(result.unsettled, 0, 'every call settled');
  t.equal(result.untypedErrors, 0, 'every failure is a typed FlumeRpcError');
  t.equal(r.missing, 0, 'every acknowledged event was stored');
  t.equal(r.unknown + r.untagged, 0, 'nothing stored that was never sent');
  t.ok(r.stored <= r.issued, `stored ${r.stored} <= issued ${r.issued}`);
  // The totals: a multi-host client's per-host counters (hosts) are not figures themselves.
  const { hosts: _perHost, ...totals } = counters;
  const figures = [...Object.values(r), ...Object.values(totals)];
  t.ok(
    figures.every((n) => Number.isInteger(n) && n >= 0),
    'no count is negative',
  );
  t.equal(
    counters.eventsReceived,
    counters.eventsAcknowledged + counters.eventsFailed,
    `client: received ${counters.eventsReceived} = acknowledged ${counters.eventsAcknowledged} + failed ${counters.eventsFailed}`,
  );
  t.equal(
    counters.eventsAcknowledged,
    r.acknowledged,
    'the client acknowledged exactly the events the caller was told of',
  );
  if (expectDelivery) t.ok(result.acknowledgedCalls > 0, 'calls got through');
}
