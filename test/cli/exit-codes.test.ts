/**
 * The exit codes --help promises, each from a real child process: 0 delivered, 1 delivery failed,
 * 2 usage or configuration (unknown flag, bad value, stray argument, missing -F/-R/-P file,
 * -c given a file, unknown bench scenario). A usage error never connects.
 */
import path from 'node:path';
import t from 'tap';
import { LOOPBACK, closedPort, startRecordingServer } from '../fixtures/index.js';
import { runCli, runCliEach } from './helpers.js';

t.test('exit 2: usage and configuration errors, nothing connects', async (t) => {
  const port = await closedPort();
  const dir = t.testdir({
    'events.txt': 'x\n',
    'client.properties': `hosts = h1\nhosts.h1 = ${LOOPBACK}:${port}\n`,
    'other.properties': 'hosts = h1\n',
  });
  const file = path.join(dir, 'events.txt');
  const to = ['-H', LOOPBACK, '-p', String(port)];
  const cases: Array<[string, string[], RegExp]> = [
    ['unknown flag', ['avro-client', ...to, '--no-such-flag'], /unknown option '--no-such-flag'/],
    ['bad port', ['avro-client', '-H', LOOPBACK, '-p', '70000'], /-p, --port <port>.*'70000' is invalid/],
    ['bad batch size', ['avro-client', ...to, '-b', '0'], /--batch-size <n>.*'0' is invalid/],
    ['stray argument', ['avro-client', ...to, '-F', file, 'extra.txt'], /too many arguments for 'avro-client'/],
    ['missing -F file', ['avro-client', ...to, '-F', path.join(dir, 'nope.txt')], /-F\/--filename .*nope\.txt: ENOENT/],
    [
      'missing -R file',
      ['avro-client', ...to, '-F', file, '-R', path.join(dir, 'nope.properties')],
      /-R\/--headerFile .*nope\.properties: ENOENT/,
    ],
    [
      'missing -P file',
      ['avro-client', '-P', path.join(dir, 'nope.properties'), '-F', file],
      /nope\.properties.*cannot be read/,
    ],
    [
      '-P and --conf-file differ',
      ['avro-client', '-P', path.join(dir, 'client.properties'), '--conf-file', path.join(dir, 'other.properties')],
      /give one client properties file/,
    ],
    ['no host', ['avro-client', '-p', '41414', '-F', file], /a host is required/],
    [
      '-c given a file',
      ['avro-client', '-c', path.join(dir, 'client.properties'), ...to, '-F', file],
      /not a directory.*-P\/--rpcProps/,
    ],
    ['-c missing', ['avro-client', '-c', path.join(dir, 'conf'), ...to, '-F', file], /-c\/--conf .*conf: ENOENT/],
    ['serve stray argument', ['serve', '--port', '0', 'extra'], /too many arguments for 'serve'/],
    ['serve bad value', ['serve', '--port', '0', '--delay', 'soon'], /--delay <ms>.*'soon' is invalid/],
    [
      'bench unknown scenario',
      ['bench', '--scenario', 'throughput', '--scenario', 'nope', '--out', path.join(dir, 'out')],
      /unknown scenario nope; known: throughput/,
    ],
    ['bench stray argument', ['bench', 'throughput'], /too many arguments for 'bench'/],
  ];
  const results = await runCliEach(
    t,
    cases.map(([, args]) => args),
  );
  results.forEach((result, i) => {
    const [name, , message] = cases[i]!;
    t.equal(result.code, 2, `${name}: exit 2 (${result.stderr.trim()})`);
    t.match(result.stderr, message, name);
    t.notMatch(result.stderr, /attempt|ECONNREFUSED|listening/, `${name}: nothing connected or listened`);
    t.equal(result.stdout, '', `${name}: no summary`);
  });
});

t.test('exit 0 when everything was acknowledged, 1 when delivery failed', async (t) => {
  const ok = await startRecordingServer(t);
  const failing = await startRecordingServer(t, { faults: { forceStatus: 'FAILED' } });
  const [delivered, refused] = await Promise.all([
    runCli(t, ['avro-client', '-H', LOOPBACK, '-p', String(ok.port)], { input: 'a\nb\n' }),
    runCli(t, ['avro-client', '-H', LOOPBACK, '-p', String(failing.port)], { input: 'a\nb\n' }),
  ]);
  t.equal(delivered.code, 0, delivered.stderr);
  t.equal(refused.code, 1);
  t.match(refused.stdout, /2 events read, 0 acknowledged, 2 failed/);
});

t.test("-c <dir> (flume-ng's configuration directory) is accepted and said to be unused", async (t) => {
  const server = await startRecordingServer(t);
  const conf = t.testdir({ 'flume-env.sh': 'export JAVA_OPTS="-Xmx20m"\n', 'log4j2.xml': '<Configuration/>\n' });
  const result = await runCli(t, ['avro-client', '-c', conf, '-H', LOOPBACK, '-p', String(server.port)], {
    input: 'a\n',
  });
  t.equal(result.code, 0, result.stderr);
  t.same(server.bodies(), ['a']);
  t.match(
    result.stderr,
    `note: -c/--conf ${conf}: flume-ng's configuration directory (flume-env.sh, log4j2.xml); flume-rpc reads nothing from it`,
  );
});
