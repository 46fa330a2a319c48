/**
 * While the client retries, avro-client says so: one stderr line per failed attempt with its
 * cause and the delay before the next one, and a final error stating the attempts and the time
 * they took. Real child processes against closed ports and a server that never answers.
 */
import path from 'node:path';
import t from 'tap';
import { LOOPBACK, closedPort, startRecordingServer } from '../fixtures/index.js';
import { SAMPLE, runCli } from './helpers.js';

t.test('a closed port: a line per failed attempt, then the attempts and time in the final error', async (t) => {
  const port = await closedPort();
  const result = await runCli(t, [
    'avro-client',
    '-H',
    LOOPBACK,
    '-p',
    String(port),
    '--max-retries',
    '2',
    '--connect-timeout',
    '1000',
    '-F',
    SAMPLE,
  ]);
  t.equal(result.code, 1);
  const lines = result.stderr.trim().split('\n');
  t.equal(lines.length, 3, result.stderr);
  const address = `${LOOPBACK}:${port}`;
  t.match(
    lines[0],
    new RegExp(`connection attempt 1 of 3 to ${address} failed: .*ECONNREFUSED.*; next attempt in \\d+ ms$`),
  );
  t.match(
    lines[1],
    new RegExp(`connection attempt 2 of 3 to ${address} failed: .*ECONNREFUSED.*; next attempt in \\d+ ms$`),
  );
  t.match(
    lines[2],
    new RegExp(`delivery to ${address} failed: gave up after 3 connection attempts in [\\d.]+ s: .*ECONNREFUSED`),
  );
  const delays = lines.slice(0, 2).map((line) => Number(/next attempt in (\d+) ms/.exec(line)![1]));
  t.ok(delays[1]! > delays[0]!, `the backoff grows (${delays.join(', ')} ms)`);
});

t.test('a server that never answers the handshake: each timeout is reported', async (t) => {
  const server = await startRecordingServer(t, { faults: { handshakeStallMs: Number.POSITIVE_INFINITY } });
  const result = await runCli(t, [
    'avro-client',
    '-H',
    LOOPBACK,
    '-p',
    String(server.port),
    '--max-retries',
    '1',
    '--connect-timeout',
    '300',
    '-F',
    SAMPLE,
  ]);
  t.equal(result.code, 1);
  t.match(result.stderr, /connection attempt 1 of 2 to .* failed: .*timed out.*; next attempt in \d+ ms/);
  t.match(result.stderr, /gave up after 2 connection attempts in [\d.]+ s: .*timed out/);
  t.same(server.events, []);
});

t.test('a failover client with every host down: a line per host attempt, the count in the final error', async (t) => {
  const [one, two] = [await closedPort(), await closedPort()];
  const dir = t.testdir({
    'failover.properties': [
      'client.type = default_failover',
      'hosts = h1 h2',
      `hosts.h1 = ${LOOPBACK}:${one}`,
      `hosts.h2 = ${LOOPBACK}:${two}`,
      'connect-timeout = 1000',
      '',
    ].join('\n'),
  });
  const result = await runCli(t, ['avro-client', '-P', path.join(dir, 'failover.properties'), '-F', SAMPLE]);
  t.equal(result.code, 1);
  t.match(result.stderr, new RegExp(`attempt on h1 \\(${LOOPBACK}:${one}\\) failed: .*ECONNREFUSED`));
  t.match(result.stderr, new RegExp(`attempt on h2 \\(${LOOPBACK}:${two}\\) failed: .*ECONNREFUSED`));
  t.match(result.stderr, /failed: gave up after 2 attempts in [\d.]+ s: All 2 attempt\(s\) failed/);
});
