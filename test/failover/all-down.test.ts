/**
 * Every host down: a call fails within bounded time with AllHostsFailedError naming every host and
 * its cause; when any host comes back, the next call on the same instance succeeds, even while
 * the hosts are in cool-down (excluded hosts are still tried as a last resort).
 */
import t from 'tap';
import { AllHostsFailedError, ConnectError, FailoverRpcClient, LoadBalancingRpcClient } from '@flume-rpc/rpc-client';
import { SLACK_MS, failure, startAvroSources, within } from '../fixtures/index.js';
import { FAST, acked, event, hostsOf } from './helpers.js';

const kinds = [
  [
    'failover',
    (hosts: ReturnType<typeof hostsOf>) => new FailoverRpcClient({ hosts, options: FAST, penaltyBaseMs: 60_000 }),
  ],
  [
    'load balancing with backoff',
    (hosts: ReturnType<typeof hostsOf>) =>
      new LoadBalancingRpcClient({ hosts, options: FAST, backoff: true, backoffBaseMs: 60_000 }),
  ],
  [
    'load balancing without backoff',
    (hosts: ReturnType<typeof hostsOf>) => new LoadBalancingRpcClient({ hosts, options: FAST }),
  ],
] as const;

for (const [kind, make] of kinds) {
  t.test(`${kind}: all hosts down, then one back`, async (t) => {
    const servers = await startAvroSources(t, 3);
    const hosts = hostsOf(servers);
    const client: FailoverRpcClient | LoadBalancingRpcClient = make(hosts);
    t.teardown(() => client.close());
    for (const server of servers) await server.close();

    const started = Date.now();
    const error = await failure(within(client.append(event(1)), SLACK_MS, 'the failing call'));
    t.ok(Date.now() - started < SLACK_MS, `failed in bounded time (${Date.now() - started}ms)`);
    t.type(error, AllHostsFailedError);
    const causes = (error as AllHostsFailedError).causes;
    t.same(
      causes.map((c) => c.host).sort(),
      hosts.map((h) => `${h.alias} (${h.host}:${h.port})`).sort(),
      'every host is named, alias and address',
    );
    for (const cause of causes) t.type(cause.error, ConnectError, `${cause.host}: ${cause.error.message}`);
    for (const host of hosts) t.match(error.message, `${host.host}:${host.port}`, `the message names ${host.alias}`);

    // Again, while every host is in cool-down: still a real attempt per host, still bounded.
    const again = await failure(within(client.append(event(2)), SLACK_MS, 'the second failing call'));
    t.equal((again as AllHostsFailedError).causes.length, 3);
    t.same(
      client.hostStates().map((h) => h.counters.connectFailures),
      [2, 2, 2],
      'no spinning: one connect attempt per host per call',
    );

    await servers[1]!.listen();
    await within(client.append(event(3)), SLACK_MS, 'the first call after h2 came back');
    t.same(acked(servers), [0, 1, 0], 'h2 took it');
    t.equal(client.isActive(), true);
  });
}
