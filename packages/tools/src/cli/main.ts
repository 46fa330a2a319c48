#!/usr/bin/env node
/**
 * flume-rpc: avro-client (a drop-in for `flume-ng avro-client`), serve (a local server that
 * behaves like Flume's Avro source, with faults on demand) and bench (the benchmark suite).
 * Exit codes: 0 done, 1 delivery or runtime failure, 2 bad usage or configuration, 130
 * interrupted (SIGINT), 143 stopped by SIGTERM (docs/cli.md).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { describe } from '@flume-rpc/netty-compat';
import { integer, millisOrInfinity } from './arguments.js';
import { InputError } from './input.js';
import { type AvroClientOptions, CLI_DEFAULTS, runAvroClient, summaryLine } from './avro-client.js';
import { flumeConfDirNote } from './flume-conf-dir.js';
import { DEFAULT_COMPLETED_SUFFIX } from './spool-directory.js';
import { UsageError } from './usage-error.js';
import { oneLine } from './format.js';
import { runServe } from './serve.js';
import { type ServeWireFlags, serveWire } from './serve-wire.js';
import { type ServeLimitFlags, serveLimitOptions, serveLimits } from './serve-limits.js';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * A signal aborted by the first SIGINT or SIGTERM (or the parent's IPC channel closing); a second
 * one exits at once. Returns the exit code the signal asks for (130 or 143), or null while none came.
 */
function stopSignals(): { signal: AbortSignal; exitCode(): number | null; dispose(): void } {
  const controller = new AbortController();
  let received: NodeJS.Signals | null = null;
  const handler = (name: NodeJS.Signals): void => {
    const code = name === 'SIGINT' ? 130 : 143;
    if (received !== null) {
      process.stderr.write(`\n${name} again: exiting without waiting\n`);
      process.exit(code);
    }
    received = name;
    controller.abort(new Error(name));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  // A parent that started us with an IPC channel (the demo does) takes us along when it goes,
  // even by SIGKILL: its end of the channel closes and we stop as on SIGTERM. Unref'd, so the
  // channel alone never keeps a finished command running.
  const parentGone = (): void => handler('SIGTERM');
  if (process.channel) {
    process.channel.unref();
    process.once('disconnect', parentGone);
  }
  return {
    signal: controller.signal,
    exitCode: () => (received === null ? null : received === 'SIGINT' ? 130 : 143),
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      process.off('disconnect', parentGone);
    },
  };
}

/** The options, with the properties file under either name, and flume-ng's configuration directory. */
interface AvroClientFlags extends AvroClientOptions {
  confFile?: string;
  conf?: string;
}

async function avroClientAction(flags: AvroClientFlags): Promise<number> {
  const props = [flags.rpcProps, flags.confFile].filter((v): v is string => v !== undefined);
  if (new Set(props).size > 1)
    throw new UsageError('give one client properties file (-P/--rpcProps or --conf-file), not two');
  if (flags.filename !== undefined && flags.dirname !== undefined)
    throw new UsageError('give -F/--filename or --dirname, not both');
  if (flags.conf !== undefined) process.stderr.write(`flume-rpc avro-client: ${await flumeConfDirNote(flags.conf)}\n`);
  const stops = stopSignals();
  try {
    const { confFile: _confFile, conf: _conf, ...options } = flags;
    const summary = await runAvroClient(
      { ...options, rpcProps: props[0] },
      {
        stdin: process.stdin,
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`flume-rpc avro-client: ${line}\n`),
        progress: process.stderr,
        signal: stops.signal,
      },
    );
    process.stdout.write(`${summaryLine(summary)}\n`);
    const interrupted = stops.exitCode();
    if (summary.error) {
      const what = summary.error.kind === 'delivery' ? `delivery to ${summary.target} failed: ` : '';
      process.stderr.write(`flume-rpc avro-client: ${what}${summary.error.message}\n`);
    }
    if (interrupted !== null) return interrupted;
    if (summary.error || summary.acknowledged !== summary.read) return EXIT_FAILED;
    return EXIT_OK;
  } finally {
    stops.dispose();
  }
}

interface ServeFlags extends ServeWireFlags, ServeLimitFlags {
  host: string;
  port: number;
  print?: boolean;
  count?: boolean;
  jsonl?: string;
  maxBytes: number;
  interval: number;
  stallHandshake?: number;
  delay?: number;
  fail?: boolean;
  dropEvery?: number;
}

async function serveAction(flags: ServeFlags): Promise<number> {
  if (flags.print && flags.count) throw new UsageError('give --print or --count, not both');
  const wire = serveWire(flags);
  const stops = stopSignals();
  try {
    await runServe(
      {
        host: flags.host,
        port: flags.port,
        mode: flags.print ? 'print' : 'count',
        jsonl: flags.jsonl,
        maxBytes: flags.maxBytes,
        intervalMs: flags.interval * 1000,
        wire,
        limits: serveLimits(flags),
        faults: {
          ...(flags.stallHandshake !== undefined ? { handshakeStallMs: flags.stallHandshake } : {}),
          ...(flags.delay !== undefined ? { responseDelayMs: flags.delay } : {}),
          ...(flags.fail ? { forceStatus: 'FAILED' as const } : {}),
          ...(flags.dropEvery !== undefined ? { dropEveryNthConnection: flags.dropEvery } : {}),
        },
      },
      { out: process.stdout, err: (line) => process.stderr.write(`flume-rpc ${line}\n`), signal: stops.signal },
    );
    // Stopping on a signal is how serve ends: a clean stop.
    return EXIT_OK;
  } finally {
    stops.dispose();
  }
}

interface BenchFlags {
  quick?: boolean;
  updateDocs?: boolean;
  scenario: string[];
  out: string;
}

async function benchAction(flags: BenchFlags): Promise<number> {
  // Loaded only here: the benchmark pulls in its peers (avsc) and scenarios.
  const { SCENARIOS, runBench } = await import('../bench/run.js');
  const unknown = flags.scenario.filter((name) => !SCENARIOS.has(name));
  if (unknown.length > 0)
    throw new UsageError(`unknown scenario ${unknown.join(', ')}; known: ${[...SCENARIOS.keys()].join(', ')}`);
  const summary = await runBench({
    scenarios: flags.scenario,
    quick: flags.quick ?? false,
    outDir: path.resolve(flags.out),
    log: (line) => console.log(line),
    updateDocs: flags.updateDocs ?? false,
  });
  if (summary.docsRefusal) process.stderr.write(`flume-rpc bench: ${summary.docsRefusal}\n`);
  if (!summary.ok) return EXIT_FAILED;
  return summary.docsRefusal ? EXIT_USAGE : EXIT_OK;
}

function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('flume-rpc')
    .description('Send events to Apache Flume agents over Avro RPC, run an Avro-source-compatible server, benchmark.')
    .version(version(), '-V, --version')
    .exitOverride()
    .allowExcessArguments(false)
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ outputError: (text, write) => write(text.startsWith('error:') ? `flume-rpc: ${text}` : text) });

  const run =
    <F>(action: (flags: F) => Promise<number>) =>
    async (flags: F): Promise<void> => {
      setExitCode(await action(flags));
    };

  program
    .command('avro-client')
    .description(
      "Send lines of a file, a spooling directory or stdin as events (one line, one event), like Flume's `flume-ng avro-client`.",
    )
    .allowExcessArguments(false)
    .option('-H, --host <host>', 'hostname of the Flume Avro source')
    .option('-p, --port <port>', 'port of the Flume Avro source', integer(1, 65_535))
    .option('-F, --filename <file>', 'text file to send, one event per line (default: stdin; "-" is stdin)')
    .option(
      '--dirname <dir>',
      'spooling directory: send each file, oldest first, and rename it to <name>.COMPLETED once acknowledged',
    )
    .option(
      '--file-suffix <suffix>',
      `with --dirname: the completed files' suffix (Flume's fileSuffix; default: ${DEFAULT_COMPLETED_SUFFIX})`,
    )
    .option('-R, --headerFile <file>', 'key=value lines (Java properties) added as headers to every event')
    .option(
      '-P, --rpcProps <file>',
      'client properties file (client.type, hosts, hosts.<alias>, ...) for RpcClientFactory; replaces -H/-p',
    )
    .addOption(new Option('--conf-file <file>', 'same as -P/--rpcProps'))
    .option(
      '-c, --conf <dir>',
      "flume-ng's configuration directory: accepted so flume-ng command lines run unchanged; nothing is read from it (a note says so)",
    )
    .option(
      '-b, --batch-size <n>',
      `events per call (default: ${CLI_DEFAULTS['batch-size']}, or the properties file's batch-size; flume-ng avro-client sends 5 per call without -P)`,
      integer(1),
    )
    .option(
      '--connect-timeout <ms>',
      `connect and handshake timeout (default: ${CLI_DEFAULTS['connect-timeout']})`,
      integer(1),
    )
    .option('--request-timeout <ms>', `timeout of each call (default: ${CLI_DEFAULTS['request-timeout']})`, integer(1))
    .option(
      '--max-retries <n>',
      `connect retries after the first attempt (default: ${CLI_DEFAULTS['max-retries']})`,
      integer(0),
    )
    .option('--max-inflight <n>', `batches in flight at once (default: ${CLI_DEFAULTS['max-inflight']})`, integer(1))
    .addHelpText(
      'after',
      `
Each line is one event: the body is the line's bytes without its line end (\\n, \\r\\n or \\r).
A batch not yet full is sent after 1 s without new input (a slow pipe). Flags override a
properties file; the file overrides the defaults above. Each failed connection attempt is
reported on stderr with its cause and the delay before the next one. On a terminal a progress
line is shown; at the end a summary (events read, acknowledged, failed, elapsed, events/s).

--dirname works as Flume's spooling reader: hidden files and files already ending in the
suffix are skipped; a file is renamed only once all its events were acknowledged, and is
refused (exit 1, nothing renamed) if it changed while being read or its completed name is
taken. Files are never resent once renamed; an interrupted file is sent again from its start.

Batch size: flume-ng avro-client sends 5 events per call (100 with -P); flume-rpc sends 100
(or the properties file's batch-size, or -b).

Exit codes: 0 every event read was acknowledged; 1 delivery failed, or an input could not be
read or spooled; 2 bad usage or configuration (unknown flag, bad value, stray argument, missing
-F/-R/-P file or --dirname directory); 130 on Ctrl-C, 143 on SIGTERM (after the batches in
flight are answered).

Examples:
  $ flume-rpc avro-client -H 127.0.0.1 -p 41414 -F /var/log/nginx/access.log
  $ tail -n 1000 app.log | flume-rpc avro-client -H flume.example.com -p 41414 -R headers.properties
  $ flume-rpc avro-client -H 127.0.0.1 -p 41414 --dirname /var/spool/logs -b 500
  $ flume-rpc avro-client -P client.properties -F events.txt
      (client.properties: client.type=default_failover, hosts=h1 h2, hosts.h1=a:41414, hosts.h2=b:41414)
  $ flume-rpc avro-client -c /etc/flume/conf -H 127.0.0.1 -p 41414 -F events.txt   # a flume-ng command line
`,
    )
    .action(run(avroClientAction));

  const serve = program
    .command('serve')
    .allowExcessArguments(false)
    .description("Run a local server that behaves like Flume's Avro source (for trying things out and testing).")
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--port <port>',
      'port to listen on; 0 picks a free one (printed as "listening on HOST:PORT")',
      integer(0, 65_535),
      41414,
    )
    .option('--print', "print every event as Flume's logger sink does")
    .option(
      '--count',
      'only count events; print the total every --interval seconds (the default mode). Without --jsonl, events are checked as strictly but never built: a cheap sink to load-test clients against',
    )
    .option('--jsonl <file>', 'also append every event to FILE as a JSON line (headers, body as utf8 or base64)')
    .option('--max-bytes <n>', 'body bytes shown per event with --print', integer(0), 16)
    .option('--interval <s>', 'seconds between running totals with --count', integer(1), 5)
    .option(
      '--stall-handshake <ms>',
      'fault: hold every handshake answer this long ("inf": never answer)',
      millisOrInfinity,
    )
    .option('--delay <ms>', "fault: hold every call's answer this long", integer(0))
    .option('--fail', 'fault: answer every call FAILED (nothing is accepted)')
    .option('--drop-every <n>', 'fault: close every Nth connection as soon as it is accepted', integer(1))
    .option('--ssl-key <file>', "serve TLS (Flume's ssl = true) with this PEM private key (with --ssl-cert)")
    .option('--ssl-cert <file>', 'the PEM certificate (chain) for --ssl-key')
    .option(
      '--keystore <file>',
      "serve TLS with the key and certificate of this keystore (JKS, PKCS12 or PEM), as the Avro source's keystore key",
    )
    .option('--keystore-password <password>', 'password of --keystore')
    .option('--keystore-type <type>', 'JKS (default, as in Flume), PKCS12 or PEM')
    .option('--compression-type <type>', "none (default) or deflate, as the Avro source's compression-type")
    .option('--compression-level <n>', 'zlib level with deflate (default 6)', integer(0, 9))
    .option(
      '--wire-layer-order <order>',
      'with TLS and deflate: zlib-outside (Flume 1.10+, default) or tls-outside (Flume 1.9 and earlier)',
    );
  for (const option of serveLimitOptions()) serve.addOption(option);
  serve
    .addHelpText(
      'after',
      `
Stops on Ctrl-C or SIGTERM and prints the totals: events received, acknowledged and refused
(answered FAILED or UNKNOWN, e.g. by --fail), calls answered and refused, connections.
Flume's Avro source has none of the bounds above; their defaults let any client that works with
Flume's default timeouts and batch sizes work here, while no client can hold the server: a
timeout or the buffered-bytes bound closes that connection only and is reported on stderr.

Examples:
  $ flume-rpc serve --print                              # like an agent with an Avro source and a logger sink
  $ flume-rpc serve --port 0 --jsonl events.jsonl        # any free port; prints "listening on 127.0.0.1:PORT"
  $ flume-rpc serve --delay 500 --drop-every 3           # a slow, flaky agent
  $ flume-rpc serve --stall-handshake inf                # an agent that accepts connections but never answers
  $ flume-rpc serve --keystore agent.jks --keystore-password changeit --compression-type deflate
                                                         # an agent with ssl = true and compression-type = deflate
  $ flume-rpc serve --idle-timeout 5000 --max-connections 64 --max-buffered-bytes 64m
                                                         # a small test agent that lets go of clients quickly
`,
    )
    .action(run(serveAction));

  program
    .command('bench')
    .allowExcessArguments(false)
    .description('Run the benchmark scenarios and write one JSON result file per scenario.')
    .option('--quick', 'short windows and one round: a smoke run in seconds, not a figure to quote')
    .option('--scenario <name>', 'scenario to run (repeatable; default: all)', collect, [])
    .option('--out <dir>', 'where result files go', 'bench-results')
    .option('--update-docs', 'also redraw docs/benchmarks.svg from this run (a full run on an idle machine only)')
    .addHelpText(
      'after',
      `
Scenarios: throughput, throughput-building, throughput-wire, throughput-http, recovery, failover, latency, memory, chaos, connection-reset.
Exit code 1 when a correctness check fails (missed performance targets are only reported); 2 for
an unknown scenario or bad flag. Nothing under docs/ is written without --update-docs. With it,
exit code 2 (docs left as they are) for --quick, for a 1-minute load average above half the cpus
before the run (nothing is run; FLUME_RPC_BENCH_MAX_LOAD sets another limit), or when a scenario
ran with other work competing for the cpus (the result files are written).

Examples:
  $ flume-rpc bench --quick
  $ flume-rpc bench --scenario throughput --out /tmp/bench
`,
    )
    .action(run(benchAction));

  program.addHelpText(
    'after',
    `
Examples:
  $ flume-rpc serve --port 41414 --print
  $ flume-rpc avro-client -H 127.0.0.1 -p 41414 -F access.log
  $ flume-rpc bench --quick
`,
  );
  return program;
}

async function main(argv: string[]): Promise<number> {
  // A reader that went away (| head) is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
  let code = EXIT_OK;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end with exitCode 0; everything else commander rejects is usage.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    const command = argv[2] && !argv[2].startsWith('-') ? ` ${argv[2]}` : '';
    if (err instanceof UsageError) {
      process.stderr.write(`flume-rpc${command}: ${err.message}\n`);
      return EXIT_USAGE;
    }
    const message = err instanceof InputError ? err.message : oneLine(describe(err));
    process.stderr.write(`flume-rpc${command}: ${message}\n`);
    return EXIT_FAILED;
  }
  return code;
}

main(process.argv).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`flume-rpc: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(EXIT_FAILED);
  },
);
