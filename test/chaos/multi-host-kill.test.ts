/**
 * Failover and load balancing over three servers, each server killed and restarted in turn under
 * a stream of batches. The client moves to the hosts still up, so calls keep succeeding; batches
 * a killed server had stored but could not answer are resent elsewhere by the client itself
 * (duplicates, counted); nothing acknowledged is missing.
 */
import t, { type Test } from 'tap';
import type { AvroSourceServer } from '@flume-rpc/netty-compat';
import { FailoverRpcClient, LoadBalancingRpcClient, type ClientCounters, type RpcClient } from '@flume-rpc/rpc-client';
import { LOOPBACK } from '../fixtures/index.js';
import {
  CHAOS_TIMEOUTS,
  ChaosLedger,
  ledgerServer,
  progress,
  reconcile,
  startStream,
  streamOptions,
} from './helpers.js';

const SERVERS = 3;

async function killInTurn(
  t: Test,
  ledger: ChaosLedger,
  servers: AvroSourceServer[],
  client: RpcClient & { counters: ClientCounters },
): Promise<void> {
  const stream = startStream(client, ledger, streamOptions({ maxCalls: 800, resendFailed: false }));
  for (const victim of servers) {
    await progress(stream, 30);
    const storedBefore = victim.stats.eventsAcknowledged;
    await victim.close();
    await progress(stream, 30);
    t.equal(victim.stats.eventsAcknowledged, storedBefore, 'nothing reached the server while it was down');
    await victim.listen();
  }
  await progress(stream, 30);
  stream.stop();
  const result = await stream.done;
  await client.close();
  for (const server of servers) await server.close();

  t.ok(
    client.counters.hostFailures > 0,
    `the kills were felt: ${client.counters.hostFailures} failed attempt(s), ${client.counters.eventsRetried} event(s) resent to another host`,
  );
  t.equal(result.failedCalls, 0, 'no call failed: two servers were always up');
  const r = ledger.reconcile();
  t.ok(
    r.extraCopies <= client.counters.eventsRetried,
    `extra copies (${r.extraCopies}) <= events the client resent (${client.counters.eventsRetried})`,
  );
  reconcile(t, ledger, result, client.counters);
}

async function ledgerServers(t: Test, ledger: ChaosLedger): Promise<AvroSourceServer[]> {
  const servers: AvroSourceServer[] = [];
  // Answers held a little, so calls are in flight on a server when it dies.
  for (let i = 0; i < SERVERS; i += 1) servers.push(await ledgerServer(t, ledger, { responseDelayMs: 3 }));
  return servers;
}

const hosts = (servers: AvroSourceServer[]) =>
  servers.map((s, i) => ({ alias: `h${i + 1}`, host: LOOPBACK, port: s.port }));

t.test('failover: every server killed and restarted in turn', async (t) => {
  const ledger = new ChaosLedger();
  const servers = await ledgerServers(t, ledger);
  const client = new FailoverRpcClient({
    hosts: hosts(servers),
    options: CHAOS_TIMEOUTS,
    penaltyBaseMs: 100,
    maxPenaltyMs: 400,
  });
  t.teardown(() => client.close());
  let failovers = 0;
  client.on('failover', () => (failovers += 1));
  await killInTurn(t, ledger, servers, client);
  t.ok(failovers >= 1, `failed over ${failovers} time(s)`);
});

t.test('load balancing: every server killed and restarted in turn', async (t) => {
  const ledger = new ChaosLedger();
  const servers = await ledgerServers(t, ledger);
  const client = new LoadBalancingRpcClient({
    hosts: hosts(servers),
    options: CHAOS_TIMEOUTS,
    backoff: true,
    maxBackoffMs: 200,
  });
  t.teardown(() => client.close());
  await killInTurn(t, ledger, servers, client);
  t.ok(
    servers.every((s) => s.stats.eventsAcknowledged > 0),
    'every server took events',
  );
});
