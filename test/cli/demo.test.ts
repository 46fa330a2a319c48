/**
 * `npm run demo` (node packages/tools/dist/cli/demo.js) on its own: it starts its server,
 * sends the bundled sample log, stops the server by PID and checks the counts agree; then an
 * agent stalls its handshakes and recovers, and the same client must send again.
 */
import t from 'tap';
import { within } from '../fixtures/index.js';
import { DEMO, runCli, startNode } from './helpers.js';

t.test('the demo runs and every event sent is received', async (t) => {
  const demo = startNode(t, DEMO, []);
  const exit = await within(demo.exited, 20_000, 'the demo to finish');
  t.equal(exit.code, 0, 'exit code 0', { stdout: exit.stdout, stderr: exit.stderr });
  t.match(exit.stdout, /listening on 127\.0\.0\.1:\d+/);
  t.match(exit.stdout, /events received by the server\s+200/);
  t.match(exit.stdout, /events the server wrote \(jsonl\)\s+200/);
  t.match(exit.stdout, /OK: all 200 events sent were received/);
  // The server child is gone: the demo stopped it by PID.
  const pid = /kill -TERM (\d+)/.exec(exit.stdout)?.[1];
  t.ok(pid, 'the demo names the server PID it stops');
  t.notOk(isAlive(Number(pid)), 'the server process is not running any more');
});

t.test('the demo shows the same client recovering from a stalled handshake', async (t) => {
  const demo = startNode(t, DEMO, []);
  const exit = await within(demo.exited, 20_000, 'the demo to finish');
  t.equal(exit.code, 0, 'exit code 0', { stdout: exit.stdout, stderr: exit.stderr });
  const out = exit.stdout;
  const figure = (label: string): number => Number(new RegExp(`^${label}\\s+(\\d+)`, 'm').exec(out)?.[1] ?? Number.NaN);
  // The stall was felt: handshakes timed out and the client retried.
  t.match(out, /client: FLUME_RPC_HANDSHAKE_TIMEOUT .*; retry 1 in \d+ ms/);
  t.ok(figure('connection attempts that timed out') > 0, 'handshake timeouts counted');
  t.ok(figure('retries made during the stall') > 0, 'retries made');
  t.ok(Number.isFinite(figure('stall detected \\(first handshake timeout\\)')), 'time to detect the stall printed');
  // Then it recovered, with the same instance, after the agent did.
  const recovered = out.indexOf('agent: answers handshakes again');
  const firstAck = out.indexOf('client: first batch acknowledged since the recovery, same client instance');
  t.ok(recovered > 0 && firstAck > recovered, 'the first batch after the recovery comes after the agent recovered');
  t.ok(
    Number.isFinite(figure('first batch acknowledged after recovery')),
    'time to the first batch after recovery printed',
  );
  t.ok(figure('events acknowledged: since the stall began') > 0, 'events delivered after the stall');
  // Nothing lost: the agent acknowledged exactly what the client was told was acknowledged.
  const clientAcked =
    figure('events acknowledged: before the stall') + figure('events acknowledged: since the stall began');
  t.equal(figure('events acknowledged by the agent'), clientAcked, 'agent and client agree');
  t.match(out, /OK: the same client recovered \d+ ms after the agent did/);
  // Flume's side is described from its source, and says so.
  t.match(out, /Flume's Java NettyAvroRpcClient in the same situation, as its source reads/);
  t.match(out, /described, not run/);
  t.match(out, /RPC failed, client in an invalid state: DEAD/);
});

t.test('a demo killed with SIGKILL leaves no server behind', async (t) => {
  const demo = startNode(t, DEMO, []);
  const pid = Number((await demo.waitFor(/server pid (\d+)/, 15_000))[1]);
  await demo.waitFor(/serve \| listening on/, 15_000);
  t.ok(isAlive(pid), 'the server runs');
  demo.kill('SIGKILL');
  await within(demo.exited, 5000, 'the demo to die');
  // Polled, bounded: the server notices its parent's channel closing and stops by itself.
  for (let i = 0; i < 100 && isAlive(pid); i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
  const survived = isAlive(pid);
  if (survived) process.kill(pid, 'SIGKILL');
  t.notOk(survived, 'the server stopped within 5 s of the demo being killed');
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

t.test('flume-rpc bench --help and a bad scenario', async (t) => {
  const dir = t.testdir({});
  const [help, bad] = await Promise.all([
    runCli(t, ['bench', '--help']),
    runCli(t, ['bench', '--scenario', 'no-such-scenario', '--out', dir]),
  ]);
  t.equal(help.code, 0);
  t.match(help.stdout, /--quick/);
  t.match(help.stdout, /--scenario <name>/);
  t.match(help.stdout, /--out <dir>/);
  t.equal(bad.code, 2, 'an unknown scenario is a usage error');
  t.match(bad.stderr, /unknown scenario no-such-scenario/);
  // The help's list is written by hand; the error's comes from the registry: they must agree.
  const listed = /Scenarios: (.*)\./.exec(help.stdout)?.[1]?.split(', ').sort();
  const known = /known: (.*)$/m.exec(bad.stderr)?.[1]?.trim().split(', ').sort();
  t.same(listed, known, 'bench --help lists every registered scenario');
});

t.test('top-level --help lists the commands with examples; --version prints one', async (t) => {
  const [help, version, unknown] = await Promise.all([
    runCli(t, ['--help']),
    runCli(t, ['--version']),
    runCli(t, ['frobnicate']),
  ]);
  t.equal(help.code, 0);
  for (const command of ['avro-client', 'serve', 'bench']) t.match(help.stdout, command);
  t.match(help.stdout, /Examples:/);
  t.equal(version.code, 0);
  t.match(version.stdout, /^\d+\.\d+\.\d+/);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /unknown command 'frobnicate'/);
});
