/**
 * One of three servers is killed in the middle of a bounded stream of concurrent batches: every
 * call still succeeds, no acknowledged event is lost (the servers together acknowledged at least
 * what the client was told), and the duplicates (batches the killed server had counted but could
 * not answer, resent elsewhere) are counted and reported.
 */
import t, { type Test } from 'tap';
import { FailoverRpcClient, LoadBalancingRpcClient, type RpcClient } from '@flume-rpc/rpc-client';
import type { AvroSourceServer } from '@flume-rpc/netty-compat';
import { SLACK_MS, startAvroSources, within } from '../fixtures/index.js';
import { FAST, acked, batch, hostsOf, sum } from './helpers.js';

const BATCHES = 240;
const BATCH_SIZE = 10;
const WORKERS = 6;

async function stream(
  t: Test,
  client: RpcClient & { counters: { eventsAcknowledged: number; eventsRetried: number } },
  servers: AvroSourceServer[],
  victim: number,
): Promise<void> {
  let next = 0;
  let done = 0;
  // A holder, not a `let`: the worker closures assign it, which TypeScript's narrowing of a local
  // cannot see (it would take the variable for null at the await below).
  const victimClose: { done?: Promise<void> } = {};
  const failures: Error[] = [];
  const worker = async (): Promise<void> => {
    while (next < BATCHES) {
      const n = next++;
      try {
        await client.appendBatch(batch(BATCH_SIZE, `batch ${n}`));
      } catch (err) {
        failures.push(err as Error);
      }
      done += 1;
      if (done === BATCHES / 3) victimClose.done = servers[victim]!.close();
    }
  };
  await within(Promise.all(Array.from({ length: WORKERS }, worker)), 10 * SLACK_MS, 'the stream');
  t.ok(victimClose.done, 'the server was killed mid-stream');
  await victimClose.done;
  t.same(
    failures.map((e) => e.message),
    [],
    'every call succeeded',
  );
  const clientAcked = client.counters.eventsAcknowledged;
  const serverAcked = sum(acked(servers));
  t.equal(clientAcked, BATCHES * BATCH_SIZE);
  t.ok(serverAcked >= clientAcked, `no acknowledged event lost: servers ${serverAcked} >= client ${clientAcked}`);
  const duplicates = serverAcked - clientAcked;
  t.ok(
    duplicates <= client.counters.eventsRetried,
    `duplicates (${duplicates}) <= events resent after a failure (${client.counters.eventsRetried})`,
  );
  t.comment(
    `per server ${acked(servers).join(' / ')}; client acknowledged ${clientAcked}; duplicates ${duplicates}; resent ${client.counters.eventsRetried}`,
  );
}

t.test('load balancing: one of three servers killed mid-stream', async (t) => {
  const servers = await startAvroSources(t, 3);
  // Answers held a little, so calls are in flight on the victim when it dies.
  for (const server of servers) server.setFaults({ responseDelayMs: 3 });
  const client = new LoadBalancingRpcClient({
    hosts: hostsOf(servers),
    options: { ...FAST, batchSize: BATCH_SIZE },
    backoff: true,
  });
  t.teardown(() => client.close());
  await stream(t, client, servers, 1);
  t.ok(client.hostStates()[1]!.failures > 0, 'the victim failed calls');
  t.ok(servers[0]!.stats.eventsAcknowledged > 0 && servers[2]!.stats.eventsAcknowledged > 0);
});

t.test('failover: the primary killed mid-stream', async (t) => {
  const servers = await startAvroSources(t, 3);
  for (const server of servers) server.setFaults({ responseDelayMs: 3 });
  const client = new FailoverRpcClient({ hosts: hostsOf(servers), options: { ...FAST, batchSize: BATCH_SIZE } });
  t.teardown(() => client.close());
  let failovers = 0;
  client.on('failover', () => (failovers += 1));
  await stream(t, client, servers, 0);
  t.ok(failovers >= 1, `failed over (${failovers} time(s))`);
  t.not(client.activeHost?.alias, 'h1', 'away from the killed primary');
  t.ok(servers[1]!.stats.eventsAcknowledged > 0, 'the secondary took over');
});
