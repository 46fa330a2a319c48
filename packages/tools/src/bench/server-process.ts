import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServerStats } from '@flume-rpc/netty-compat';
import {
  AVSC_SERVER_FLAG,
  BUILD_EVENTS_FLAG,
  HTTP_SOURCE_FLAG,
  type BenchServerWire,
  type ParentMessage,
  isChildMessage,
  wireArgs,
} from './server-messages.js';

const CHILD_ENTRY = fileURLToPath(new URL('./server-child.js', import.meta.url));

export interface ServerProcessOptions {
  /**
   * Which server: our Avro RPC server (the default), avsc's services server (Avro RPC too, for
   * comparison), or HTTP with JSON batches; the last two ignore buildEvents and wire.
   */
  source?: 'avro' | 'avsc' | 'http';
  /** Bound on the child starting and listening. */
  startTimeoutMs?: number;
  /** Bound on one stats round trip. */
  requestTimeoutMs?: number;
  /** Node flags for the child, e.g. ['--cpu-prof'] to profile the server; none by default. */
  execArgv?: string[];
  /**
   * Give the server handlers that take every event, so it builds each one as a Flume source
   * would. By default it has none and only checks and counts them (`serve --count`), which
   * keeps it cheaper than any client so the clients' own costs decide the rates.
   */
  buildEvents?: boolean;
  /** TLS and compression, as an agent with ssl / compression-type would speak; plain TCP by default. */
  wire?: BenchServerWire;
}

/** The server's counters, plus the CPU time (user + system, µs) its process has used so far. */
export type ServerSnapshot = ServerStats & { cpuMicros: number };

/** Our AvroSourceServer (or avsc's, or the HTTP source) running in a child process, reachable on 127.0.0.1:port. */
export interface ServerProcess {
  readonly pid: number;
  readonly port: number;
  stats(): Promise<ServerSnapshot>;
  /** Kills the child by PID and waits for it to exit; idempotent, never throws. */
  stop(): Promise<void>;
}

/**
 * Forks server-child.js and waits for its port. The child is killed by PID on stop(), on any
 * startup failure, and, as a last resort, when this process exits.
 */
export async function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const entry = CHILD_ENTRY;
  const flags = [
    ...(options.source === 'http' ? [HTTP_SOURCE_FLAG] : []),
    ...(options.source === 'avsc' ? [AVSC_SERVER_FLAG] : []),
    ...(options.buildEvents ? [BUILD_EVENTS_FLAG] : []),
  ];
  const child = fork(entry, [...flags, ...wireArgs(options.wire ?? {})], {
    // Not the parent's flags: a client-side --cpu-prof must not profile the server too.
    execArgv: options.execArgv ?? [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pid = child.pid;
  if (pid === undefined) {
    child.kill('SIGKILL');
    throw new Error(`Could not start the benchmark server (${entry})`);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = (): void => killQuietly(pid, 'SIGKILL');
  process.once('exit', killOnExit);

  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    killQuietly(pid, 'SIGTERM');
    if (!(await within(exited, 2000))) {
      killQuietly(pid, 'SIGKILL');
      await within(exited, 2000);
    }
  };

  try {
    const port = await waitForPort(child, exited, options.startTimeoutMs ?? 10_000);
    return { pid, port, stats: statsClient(child, exited, options.requestTimeoutMs ?? 5000), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function waitForPort(child: ChildProcess, exited: Promise<void>, timeoutMs: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`Benchmark server did not listen within ${timeoutMs}ms`)), timeoutMs);
    const onMessage = (message: unknown): void => {
      if (!isChildMessage(message)) return;
      if (message.type === 'listening') done(message.port);
      else if (message.type === 'failed') done(new Error(`Benchmark server failed to start: ${message.message}`));
    };
    const done = (outcome: number | Error): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      if (typeof outcome === 'number') resolve(outcome);
      else reject(outcome);
    };
    child.on('message', onMessage);
    void exited.then(() =>
      done(new Error(`Benchmark server exited before listening (code ${String(child.exitCode)})`)),
    );
  });
}

function statsClient(child: ChildProcess, exited: Promise<void>, timeoutMs: number): () => Promise<ServerSnapshot> {
  let nextId = 1;
  let gone = false;
  void exited.then(() => (gone = true));
  return () =>
    new Promise<ServerSnapshot>((resolve, reject) => {
      if (gone) {
        reject(new Error('Benchmark server has exited'));
        return;
      }
      const id = nextId++;
      const timer = setTimeout(
        () => finish(new Error(`Benchmark server did not report stats within ${timeoutMs}ms`)),
        timeoutMs,
      );
      const onMessage = (message: unknown): void => {
        if (isChildMessage(message) && message.type === 'stats' && message.id === id)
          finish({ ...message.stats, cpuMicros: message.cpuMicros });
      };
      const onExit = (): void => finish(new Error('Benchmark server exited while asked for stats'));
      const finish = (outcome: ServerSnapshot | Error): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      const request: ParentMessage = { type: 'stats', id };
      child.send(request, (err) => {
        if (err) finish(err);
      });
    });
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone: that is the goal.
  }
}

/** True when `promise` settles within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
