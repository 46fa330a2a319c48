/**
 * The demo's child processes: `flume-rpc` commands run with node, their output echoed with a
 * prefix and kept, every wait bounded, every child stopped by its PID, and none outliving the
 * demo (even one killed by SIGKILL: see the IPC channel below).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const STOP_TIMEOUT_MS = 3_000;

export interface Child {
  process: ChildProcess;
  pid: number;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  onLine(listener: (line: string) => void): void;
}

const children = new Set<Child>();

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function isRunning(child: Child): boolean {
  return child.process.exitCode === null && child.process.signalCode === null;
}

/** Runs `flume-rpc ARGS` with node; its output is echoed with a prefix and kept. */
export function startCli(label: string, args: string[]): Child {
  // The IPC channel ties the child's life to ours: if the demo is killed, even by SIGKILL, the
  // channel closes and the child stops itself (see stopSignals in main.ts).
  const proc = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  if (proc.pid === undefined) throw new Error(`could not start flume-rpc ${args[0]}`);
  const listeners = new Set<(line: string) => void>();
  const child: Child = {
    process: proc,
    pid: proc.pid,
    lines: [],
    exited: new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal }))),
    onLine: (listener) => listeners.add(listener),
  };
  for (const stream of [proc.stdout!, proc.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      child.lines.push(line);
      console.log(`  ${label} | ${line}`);
      for (const listener of listeners) listener(line);
    });
  }
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return child;
}

export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function waitForLine(child: Child, pattern: RegExp, ms: number, what: string): Promise<RegExpExecArray> {
  const found = new Promise<RegExpExecArray>((resolve, reject) => {
    for (const line of child.lines) {
      const match = pattern.exec(line);
      if (match) return resolve(match);
    }
    child.onLine((line) => {
      const match = pattern.exec(line);
      if (match) resolve(match);
    });
    void child.exited.then(({ code }) => reject(new Error(`${what}: the process exited (code ${String(code)}) first`)));
  });
  return within(found, ms, what);
}

/** SIGTERM by PID, then SIGKILL if it has not exited in time. */
export async function stop(child: Child): Promise<void> {
  if (!isRunning(child)) return;
  killQuietly(child.pid, 'SIGTERM');
  try {
    await within(child.exited, STOP_TIMEOUT_MS, `pid ${child.pid} to exit`);
  } catch {
    killQuietly(child.pid, 'SIGKILL');
    await within(child.exited, STOP_TIMEOUT_MS, `pid ${child.pid} to die`).catch(() => undefined);
  }
}

/** Stops every child still running, one by one, by PID. */
export async function stopAll(): Promise<void> {
  for (const child of [...children]) await stop(child);
}

/** Whatever happens (exit, Ctrl-C, SIGTERM), no child outlives the demo. */
export function killChildrenOnExit(): void {
  process.on('exit', () => {
    for (const child of children) if (isRunning(child)) killQuietly(child.pid, 'SIGKILL');
  });
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      for (const child of children) killQuietly(child.pid, 'SIGKILL');
      process.exit(code);
    });
  }
}
