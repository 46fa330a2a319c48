/**
 * Helpers for the CLI tests: run `node packages/tools/dist/cli/main.js ...` as a child
 * process (killed by PID in teardown). Servers, ports and waits come from ../fixtures. Every wait
 * is bounded.
 */
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { NettyAvroRpcClient, type NettyAvroRpcClientOptions } from '@flume-rpc/rpc-client';
import { LOOPBACK, within } from '../fixtures/index.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'packages/tools/dist/cli/main.js');
export const DEMO = path.join(ROOT, 'packages/tools/dist/cli/demo.js');
export const SAMPLE = path.join(ROOT, 'packages/tools/sample/access.log');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<Exit>;
  /** Resolves with the first match in stdout+stderr; rejects after `ms` or if the process exits first. */
  waitFor(pattern: RegExp, ms: number): Promise<RegExpExecArray>;
  /** Sends a signal by PID (ignored if it already exited). */
  kill(signal: NodeJS.Signals): void;
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Starts `node <script> ...args`; the child is killed by PID in teardown if still running. */
export function startNode(
  t: Test,
  script: string,
  args: string[],
  options: { stdin?: 'pipe' | 'ignore'; ipc?: boolean } = {},
): CliProcess {
  // Typed as StdioOptions, so spawn returns a plain ChildProcess whose streams may be null (the
  // array literal alone would be string[], which no spawn overload takes).
  const stdio: StdioOptions = [options.stdin ?? 'ignore', 'pipe', 'pipe', ...(options.ipc ? ['ipc' as const] : [])];
  const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, stdio });
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  const pid = child.pid;
  const { stdout, stderr } = child;
  if (stdout === null || stderr === null) throw new Error(`no output pipes for ${script}`);
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const listener of listeners) listener();
  });
  stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    for (const listener of listeners) listener();
  });
  child.stdin?.on('error', () => undefined);
  // 'exit' and the end of both output streams, not 'close': after the parent disconnects an IPC
  // channel, Node never emits 'close' for the child even though it exited.
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      const drained = [stdout, stderr].map((stream) => finished(stream).catch(() => undefined));
      void Promise.all(drained).then(() => resolve({ code, signal, stdout: out, stderr: err }));
    });
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  // SIGTERM first, so a child that started children of its own (the demo) can stop them by PID; then SIGKILL.
  t.teardown(async () => {
    if (done) return;
    killQuietly(pid, 'SIGTERM');
    if (
      await within(exited, 2000, `pid ${pid} to stop`).then(
        () => true,
        () => false,
      )
    )
      return;
    killQuietly(pid, 'SIGKILL');
    await within(exited, 5000, `pid ${pid} to die`).catch(() => undefined);
  });
  return {
    child,
    pid,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: (signal) => {
      if (!done) killQuietly(pid, signal);
    },
    waitFor: (pattern, ms) => {
      let listener: () => void = () => undefined;
      const found = new Promise<RegExpExecArray>((resolve, reject) => {
        listener = () => {
          const match = pattern.exec(out + err);
          if (match) resolve(match);
        };
        listeners.add(listener);
        listener();
        void exited.then(() => {
          const match = pattern.exec(out + err);
          if (match) resolve(match);
          else reject(new Error(`process exited before printing ${String(pattern)}:\n${out}${err}`));
        });
      });
      return within(found, ms, String(pattern)).finally(() => listeners.delete(listener));
    },
  };
}

/** Runs `flume-rpc ARGS` to its end (stdin: the given text, or nothing); SIGKILL after `timeoutMs`. */
export async function runCli(
  t: Test,
  args: string[],
  options: { input?: string | Buffer; timeoutMs?: number } = {},
): Promise<Exit> {
  const proc = startNode(t, CLI, args, { stdin: 'pipe' });
  proc.child.stdin!.end(options.input ?? '');
  const timeoutMs = options.timeoutMs ?? 15_000;
  try {
    return await within(proc.exited, timeoutMs, `flume-rpc ${args.join(' ')}`);
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
}

/**
 * Runs each argument list to its end, a few at a time, results in order: each child's deadline
 * covers its own start, which many Node processes started at once on a 2-core runner can take most of.
 */
export async function runCliEach(t: Test, argLists: string[][], concurrency = 4): Promise<Exit[]> {
  const results: Exit[] = [];
  for (let i = 0; i < argLists.length; i += concurrency) {
    results.push(...(await Promise.all(argLists.slice(i, i + concurrency).map((args) => runCli(t, args)))));
  }
  return results;
}

/** `flume-rpc serve --port 0 ARGS` as a child, once it printed the port it listens on. */
export async function startServe(t: Test, args: string[], ipc = false): Promise<{ cli: CliProcess; port: number }> {
  const cli = startNode(t, CLI, ['serve', '--port', '0', ...args], { ipc });
  const match = await cli.waitFor(/^listening on 127\.0\.0\.1:(\d+)$/m, 15_000);
  return { cli, port: Number(match[1]) };
}

/** A client of a served port: generous timeouts (the server is a child process), no retries; closed in teardown. */
export function serveClient(
  t: Test,
  port: number,
  options: Partial<NettyAvroRpcClientOptions> = {},
): NettyAvroRpcClient {
  const client = new NettyAvroRpcClient({
    host: LOOPBACK,
    port,
    connectTimeoutMs: 5000,
    requestTimeoutMs: 5000,
    maxRetries: 0,
    ...options,
  });
  t.teardown(() => client.close());
  return client;
}
