import { type WriteStream, createWriteStream } from 'node:fs';
import {
  type AvroFlumeEvent,
  AvroSourceServer,
  type FaultPlan,
  type ServerLimits,
  type ServerStats,
  type Status,
  describeWire,
  formatAddress,
  describe,
} from '@flume-rpc/netty-compat';
import { dumpEvent, jsonLine, oneLine } from './format.js';
import type { ServeWire } from './serve-wire.js';
import { describeLimits } from './serve-limits.js';
import { write, writeEvents } from './event-writer.js';

export interface ServeOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  /** print: each event as Flume's logger sink logs it; count: totals every `intervalMs`. */
  mode: 'print' | 'count';
  /** Also append each event to this file as a JSON line. */
  jsonl?: string;
  /** Body bytes shown per event in print mode (Flume's logger sink: maxBytesToLog, 16). */
  maxBytes: number;
  /** Count mode: how often to print the running total (when it changed). */
  intervalMs: number;
  faults: Partial<FaultPlan>;
  /** TLS and compression, as an agent's Avro source with ssl / compression-type would speak. */
  wire?: ServeWire;
  /** Timeouts and caps (unset: AvroSourceServer's defaults). */
  limits?: Partial<ServerLimits>;
}

export interface ServeIo {
  out: NodeJS.WritableStream;
  err: (line: string) => void;
  /** Stops the server (SIGINT/SIGTERM). */
  signal: AbortSignal;
}

export interface ServeTotals {
  /** Events in the calls answered: acknowledged + refused. */
  received: number;
  acknowledged: number;
  /** Events in calls answered FAILED or UNKNOWN (by --fail, or because --jsonl/--print could not write them). */
  refused: number;
  calls: number;
  callsRefused: number;
  connections: number;
  /** What the server's bounds turned away. */
  bounds: Pick<ServerStats, 'connectionsRefused' | 'connectionsTimedOut' | 'connectionsShed' | 'batchesRefused'>;
}

/**
 * A local server that behaves like Flume's Avro source: prints `listening on HOST:PORT` once
 * bound, shows or counts what arrives, and on abort stops and prints the totals.
 */
export async function runServe(options: ServeOptions, io: ServeIo): Promise<ServeTotals> {
  const jsonl = options.jsonl === undefined ? null : await openAppend(options.jsonl);
  let writeFailure: string | null = null;

  const accept = async (events: AvroFlumeEvent[]): Promise<Status> => {
    try {
      if (options.mode === 'print')
        await writeEvents(io.out, events, (event) => `${dumpEvent(event, options.maxBytes)}\n`);
      // Answered after the write completed, so an acknowledged event is in the file.
      if (jsonl) await writeEvents(jsonl, events, jsonLine);
    } catch (err) {
      const message = oneLine(describe(err));
      if (writeFailure === null) io.err(`serve: cannot write events, answering FAILED: ${message}`);
      writeFailure = message;
      return 'FAILED';
    }
    return 'OK';
  };
  // Counting alone needs no handler: the server then checks every event without building it,
  // which makes `serve --count` a sink fast enough to load-test clients against.
  const readsEvents = options.mode === 'print' || jsonl !== null;
  const server = new AvroSourceServer({
    handlers: readsEvents ? { append: (event) => accept([event]), appendBatch: (events) => accept(events) } : {},
    faults: options.faults,
    ...options.wire,
    ...options.limits,
  });
  // Counted by the server as each call is answered, whatever answered it (a handler or --fail).
  const receivedSoFar = (): number => server.stats.eventsAcknowledged + server.stats.eventsFailed;
  server.on('connectionError', (error, remote) =>
    io.err(`serve: connection from ${remote} closed: ${oneLine(error.message)}`),
  );
  server.on('callRefused', (error, remote) => io.err(`serve: call from ${remote} refused: ${oneLine(error.message)}`));
  // Once: at the cap, refusals can come faster than anyone reads them; the totals count them all.
  server.once('connectionRefused', (remote, max) =>
    io.err(
      `serve: connection from ${remote} refused: ${max} connections open (--max-connections); further refusals are only counted`,
    ),
  );

  let port: number;
  try {
    port = await server.listen(options.port, options.host);
  } catch (err) {
    jsonl?.end();
    throw err;
  }
  await write(io.out, `listening on ${formatAddress(options.host, port)}\n`);
  if (server.wire.tls || server.wire.compressionLevel !== null)
    io.err(`serve: speaking ${describeWire(server.wire)} (outermost first)`);
  const notes = describeFaults(options.faults);
  if (notes) io.err(`serve: faults: ${notes}`);
  const bounds = describeLimits(options.limits ?? {});
  if (bounds) io.err(`serve: bounds: ${bounds}`);

  const totals = (): ServeTotals => ({
    received: receivedSoFar(),
    acknowledged: server.stats.eventsAcknowledged,
    refused: server.stats.eventsFailed,
    calls: server.stats.callsAnswered,
    callsRefused: server.stats.callsFailed,
    connections: server.stats.connectionsAccepted,
    bounds: {
      connectionsRefused: server.stats.connectionsRefused,
      connectionsTimedOut: server.stats.connectionsTimedOut,
      connectionsShed: server.stats.connectionsShed,
      batchesRefused: server.stats.batchesRefused,
    },
  });
  let timer: NodeJS.Timeout | undefined;
  if (options.mode === 'count') {
    let shown = 0;
    timer = setInterval(() => {
      const now = receivedSoFar();
      if (now === shown) return;
      shown = now;
      io.out.write(`received ${now} events\n`);
    }, options.intervalMs);
  }

  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  clearInterval(timer);
  await server.close();
  if (jsonl) await new Promise<void>((resolve) => jsonl.end(() => resolve()));
  const result = totals();
  await write(
    io.out,
    `total: ${result.received} events received, ${result.acknowledged} acknowledged, ${result.refused} refused; ` +
      `${plural(result.calls, 'call')}, ${result.callsRefused} refused; ${plural(result.connections, 'connection')}\n`,
  );
  const { connectionsRefused, connectionsTimedOut, connectionsShed, batchesRefused } = result.bounds;
  if (connectionsRefused + connectionsTimedOut + connectionsShed + batchesRefused > 0) {
    await write(
      io.out,
      `bounds: connections refused ${connectionsRefused}, timed out ${connectionsTimedOut}, closed over --max-buffered-bytes ${connectionsShed}; batches refused ${batchesRefused}\n`,
    );
  }
  return result;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function describeFaults(faults: Partial<FaultPlan>): string {
  const parts: string[] = [];
  if (faults.handshakeStallMs)
    parts.push(
      Number.isFinite(faults.handshakeStallMs)
        ? `handshake answers held ${faults.handshakeStallMs} ms`
        : 'handshakes never answered',
    );
  if (faults.responseDelayMs) parts.push(`answers delayed ${faults.responseDelayMs} ms`);
  if (faults.forceStatus) parts.push(`every call answered ${faults.forceStatus}`);
  if (faults.dropEveryNthConnection) parts.push(`every ${faults.dropEveryNthConnection}th connection dropped`);
  return parts.join(', ');
}

async function openAppend(file: string): Promise<WriteStream> {
  const stream = createWriteStream(file, { flags: 'a' });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => {
      stream.off('error', reject);
      resolve();
    });
    stream.once('error', reject);
  });
  // Later write errors reach the write callbacks; this keeps them from crashing the process.
  stream.on('error', () => undefined);
  return stream;
}
