/**
 * The demo's first part: `flume-rpc serve` as a child process on a free loopback port, the bundled
 * sample access log sent to it with `flume-rpc avro-client` (another child), the server stopped by
 * its PID, and what was sent checked against what the server received.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Child, startCli, stop, waitForLine, within } from './demo-processes.js';
import { LineSplitter } from './lines.js';

const START_TIMEOUT_MS = 10_000;
const CLIENT_TIMEOUT_MS = 30_000;

async function countLines(file: string): Promise<number> {
  const splitter = new LineSplitter();
  const bytes = await readFile(file);
  return splitter.push(bytes).length + splitter.end().length;
}

function number(match: RegExpExecArray | null, index: number): number | null {
  return match ? Number(match[index]) : null;
}

function firstMatch(child: Child, pattern: RegExp): RegExpExecArray | null {
  return child.lines.map((line) => pattern.exec(line)).find(Boolean) ?? null;
}

/** Sends `sample` (one event per line) through avro-client to serve; true when every line arrived. */
export async function demoDelivery(sample: string): Promise<boolean> {
  const started = Date.now();
  const expected = await countLines(sample);
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

    console.log(`$ flume-rpc avro-client -H ${host} -p ${port} -F ${sample} -R ${headers}`);
    const client = startCli('avro-client', ['avro-client', '-H', host, '-p', port, '-F', sample, '-R', headers]);
    let clientExit;
    try {
      clientExit = await within(client.exited, CLIENT_TIMEOUT_MS, 'avro-client to finish');
    } finally {
      await stop(client);
    }

    console.log(`$ kill -TERM ${server.pid}   # stop the server`);
    await stop(server);

    const summary = firstMatch(client, /(\d+) events read, (\d+) acknowledged, (\d+) failed/);
    const total = firstMatch(server, /^total: (\d+) events received, (\d+) acknowledged/);
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
    if (first)
      console.log(
        `first event received: headers ${JSON.stringify(first.headers)} body ${JSON.stringify(first.body.slice(0, 60))}...`,
      );

    const ok =
      clientExit.code === 0 && figures.every(([, value]) => value === expected) && first?.headers['host'] === 'web-1';
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      ok
        ? `\nOK: all ${expected} events sent were received (${seconds} s)`
        : `\nFAILED: sent and received differ (avro-client exit code ${String(clientExit.code)})`,
    );
    return ok;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
