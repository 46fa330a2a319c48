/**
 * reset-connection-interval (the Avro sink's key, FLUME-1926): the client replaces a connection
 * that has lived that long, opening the new one beside the old, so no call fails or waits for the
 * reset; a balancer in front of several agents then spreads one client over all of them.
 */
import net from 'node:net';
import t from 'tap';
import { EventBuilder, parseClientProperties } from '@flume-rpc/rpc-client';
import { LOOPBACK, SLACK_MS, makeClient, startRawServer, startRecordingServer, until } from '../fixtures/index.js';

const event = (body: string) => EventBuilder.withBody(body);

t.test('the connection is replaced on the interval; every call is acknowledged throughout', async (t) => {
  const agent = await startRecordingServer(t);
  const client = makeClient(t, agent.port, { resetConnectionIntervalMs: 100 });
  let sent = 0;
  const deadline = Date.now() + 10_000;
  while (client.counters.connectionResets < 3 && Date.now() < deadline && sent < 100_000) {
    await client.append(event(`e${sent}`));
    sent += 1;
    if (sent % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  t.ok(client.counters.connectionResets >= 3, `replaced ${client.counters.connectionResets} times`);
  t.equal(client.counters.eventsAcknowledged, sent, 'every call acknowledged');
  t.equal(client.counters.eventsFailed, 0);
  t.equal(client.counters.reconnects, client.counters.connectionResets, 'every reconnect was a reset');
  t.equal(agent.server.stats.connectionsAccepted, client.counters.connectionsOpened);
  await until(() => agent.server.stats.connectionsOpen === 1, 'replaced connections to close');
});

t.test('a call in flight during a reset is answered on the old connection, which closes after it', async (t) => {
  const agent = await startRecordingServer(t, { faults: { responseDelayMs: 400 } });
  const client = makeClient(t, agent.port, { resetConnectionIntervalMs: 100 });
  await client.connect();
  const slow = client.append(event('in flight'));
  await until(() => client.counters.connectionResets === 1, 'the reset');
  t.equal(agent.server.stats.connectionsOpen, 2, 'the old connection stays open while its call is pending');
  await slow;
  t.same(agent.bodies(), ['in flight']);
  await until(() => agent.server.stats.connectionsOpen === 1, 'the old connection to close once idle');
});

t.test('a reset that cannot handshake leaves the old connection serving calls', async (t) => {
  const agent = await startRecordingServer(t);
  const client = makeClient(t, agent.port, { resetConnectionIntervalMs: 100, handshakeTimeoutMs: 150 });
  await client.connect();
  agent.server.setFaults({ handshakeStallMs: Infinity });
  let sent = 0;
  while (client.counters.handshakeFailures < 2 && sent < 2000) {
    await client.append(event(`during ${sent}`));
    sent += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  t.ok(client.counters.handshakeFailures >= 2, 'two replacements timed out in the handshake');
  t.equal(client.counters.connectionResets, 0);
  t.equal(client.counters.eventsAcknowledged, sent, 'no call failed or was held back by the failed resets');
  agent.server.setFaults({ handshakeStallMs: 0 });
  await until(() => client.counters.connectionResets === 1, 'a later reset to succeed');
  await client.append(event('after'));
  t.equal(client.counters.eventsFailed, 0);
});

t.test('close() does not wait for a reset that is connecting', async (t) => {
  const agent = await startRecordingServer(t);
  const client = makeClient(t, agent.port, {
    resetConnectionIntervalMs: 50,
    handshakeTimeoutMs: 60_000,
    requestTimeoutMs: 60_000,
    callTimeoutMs: 60_000,
  });
  await client.connect();
  agent.server.setFaults({ handshakeStallMs: Infinity });
  await until(() => agent.server.stats.connectionsOpen === 2, 'the replacement to be connecting');
  const started = Date.now();
  await client.close();
  t.ok(Date.now() - started < SLACK_MS, 'closed without waiting out the stalled handshake');
  await until(() => agent.server.stats.connectionsOpen === 0, 'both connections to close');
});

t.test('behind a balancer, resets spread one client over every agent', async (t) => {
  const agents = [await startRecordingServer(t), await startRecordingServer(t)];
  let next = 0;
  // A TCP balancer that hands each new connection to the next agent in turn.
  const balancer = await startRawServer(t, (inbound) => {
    const agent = agents[next++ % agents.length]!;
    const outbound = net.connect(agent.port, LOOPBACK);
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  const steady = makeClient(t, balancer.port);
  for (let i = 0; i < 20; i += 1) await steady.append(event(`steady ${i}`));
  t.same(agents.map((a) => a.calls.length).sort(), [0, 20], 'without resets one agent gets everything');
  await steady.close();

  const before = agents.map((a) => a.calls.length);
  const resetting = makeClient(t, balancer.port, { resetConnectionIntervalMs: 50 });
  let sent = 0;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && sent < 10_000 && agents.some((a, i) => a.calls.length - before[i]! < 5)) {
    await resetting.append(event(`spread ${sent}`));
    sent += 1;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  t.ok(
    agents.every((a, i) => a.calls.length - before[i]! >= 5),
    'each agent received calls from the resetting client',
  );
  t.equal(resetting.counters.eventsFailed, 0);
});

t.test('reset-connection-interval is read in seconds, as the Avro sink reads it', async (t) => {
  const parse = (value: string) =>
    parseClientProperties({ hosts: 'h1', 'hosts.h1': '127.0.0.1:4141', 'reset-connection-interval': value });
  t.equal(parse('30').options.resetConnectionIntervalMs, 30_000);
  t.equal(parse('0').options.resetConnectionIntervalMs, 0, '0: never');
  t.throws(() => parse('-1'), /reset-connection-interval.*integer >= 0/);
  t.throws(() => parse('1.5'), /reset-connection-interval.*integer/);
  t.equal(
    parseClientProperties({ hosts: 'h1', 'hosts.h1': '127.0.0.1:4141' }).options.resetConnectionIntervalMs,
    0,
    'never, by default',
  );
});
