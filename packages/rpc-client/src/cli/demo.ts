#!/usr/bin/env node
/**
 * `npm run demo`: starts `flume-rpc serve` as a child process on a free loopback port, sends the
 * bundled sample access log to it with `flume-rpc avro-client` (another child), stops the server
 * by its PID, and checks that what was sent is what the server received. Exits 1 if not.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LineSplitter } from './lines.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
/** Shipped with the package (files: sample), found beside dist/ wherever the package lives. */
const SAMPLE = fileURLToPath(new URL('../../sample/access.log', import.meta.url));
const START_TIMEOUT_MS = 10_000;
const CLIENT_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 3_000;

interface Child {
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
function startCli(label: string, args: string[]): Child {
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

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function waitForLine(child: Child, pattern: RegExp, ms: number, what: string): Promise<RegExpExecArray> {
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
async function stop(child: Child): Promise<void> {
  if (!isRunning(child)) return;
  killQuietly(child.pid, 'SIGTERM');
  try {
    await within(child.exited, STOP_TIMEOUT_MS, `pid ${child.pid} to exit`);
  } catch {
    killQuietly(child.pid, 'SIGKILL');
    await within(child.exited, STOP_TIMEOUT_MS, `pid ${child.pid} to die`).catch(() => undefined);
  }
}

async function countLines(file: string): Promise<number> {
  const splitter = new LineSplitter();
  const bytes = await readFile(file);
  return splitter.push(bytes).length + splitter.end().length;
}

function number(match: RegExpExecArray | null, index: number): number | null {
  return match ? Number(match[index]) : null;
}

async function demo(): Promise<number> {
  const started = Date.now();
  const expected = await countLines(SAMPLE);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flume-rpc-demo-'));
  try {
    const jsonl = path.join(dir, 'events.jsonl');
    const headers = path.join(dir, 'headers.properties');
    await writeFile(headers, 'host=web-1\nlogtype=access\n');

    console.log(`$ flume-rpc serve --port 0 --count --jsonl ${jsonl}`);
    const server = startCli('serve', ['serve', '--host', '127.0.0.1', '--port', '0', '--count', '--jsonl', jsonl]);
    console.log(`  (server pid ${server.pid})`);
    const listening = await waitForLine(server, /^listening on (\S+):(\d+)$/, START_TIMEOUT_MS, 'the server to listen');
    const [host, port] = [listening[1]!, listening[2]!];

    console.log(`$ flume-rpc avro-client -H ${host} -p ${port} -F ${SAMPLE} -R ${headers}`);
    const client = startCli('avro-client', ['avro-client', '-H', host, '-p', port, '-F', SAMPLE, '-R', headers]);
    let clientExit;
    try {
      clientExit = await within(client.exited, CLIENT_TIMEOUT_MS, 'avro-client to finish');
    } finally {
      await stop(client);
    }

    console.log(`$ kill -TERM ${server.pid}   # stop the server`);
    await stop(server);

    const summary = client.lines.map((line) => /(\d+) events read, (\d+) acknowledged, (\d+) failed/.exec(line)).find(Boolean) ?? null;
    const total = server.lines.map((line) => /^total: (\d+) events received, (\d+) acknowledged/.exec(line)).find(Boolean) ?? null;
    const stored = (await readFile(jsonl, 'utf8').catch(() => '')).split('\n').filter((line) => line !== '');
    const first = stored[0] ? (JSON.parse(stored[0]) as { headers: Record<string, string>; body: string }) : null;

    const figures: Array<[string, number | null]> = [
      ['lines in the sample log', expected],
      ['events read by avro-client', number(summary, 1)],
      ['events acknowledged to avro-client', number(summary, 2)],
      ['events received by the server', number(total, 1)],
      ['events the server wrote (jsonl)', stored.length],
    ];
    console.log('');
    for (const [label, value] of figures) console.log(`${label.padEnd(38)} ${value ?? 'missing'}`);
    if (first) console.log(`first event received: headers ${JSON.stringify(first.headers)} body ${JSON.stringify(first.body.slice(0, 60))}...`);

    const ok = clientExit.code === 0 && figures.every(([, value]) => value === expected) && first?.headers['host'] === 'web-1';
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(ok ? `\nOK: all ${expected} events sent were received (${seconds} s)` : `\nFAILED: sent and received differ (avro-client exit code ${String(clientExit.code)})`);
    return ok ? 0 : 1;
  } finally {
    for (const child of [...children]) await stop(child);
    await rm(dir, { recursive: true, force: true });
  }
}

// Whatever happens, no child outlives the demo.
process.on('exit', () => {
  for (const child of children) if (isRunning(child)) killQuietly(child.pid, 'SIGKILL');
});
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(signal, () => {
    for (const child of children) killQuietly(child.pid, 'SIGKILL');
    process.exit(code);
  });
}

demo().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
