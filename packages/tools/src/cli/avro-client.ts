import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { formatAddress, describe } from '@flume-rpc/netty-compat';
import {
  type ClientConfig,
  type HostAddress,
  ConfigurationError,
  type Event,
  fromSinkSection,
  parseClientProperties,
  PartialBatchError,
  readPropertiesFile,
  type RpcClient,
  RpcClientFactory,
} from '@flume-rpc/rpc-client';
import { parse as parseProperties } from 'dot-properties';
import { formatRate, formatSeconds, oneLine } from './format.js';
import { InputError, readLines, resolveSources } from './input.js';
import { type RetryReport, reportRetries } from './retry-report.js';
import { SpoolError } from './spool-directory.js';
import { UsageError } from './usage-error.js';

export { UsageError };

/** What `flume-rpc avro-client` is given; flags left out take CLI_DEFAULTS or the properties file's values. */
export interface AvroClientOptions {
  host?: string;
  port?: number;
  filename?: string;
  dirname?: string;
  /** With dirname: what a completed file's name gets (Flume's fileSuffix, default .COMPLETED). */
  fileSuffix?: string;
  headerFile?: string;
  /** Client properties file (client.type, hosts, ...), read by RpcClientFactory: Flume's -P/--rpcProps. */
  rpcProps?: string;
  batchSize?: number;
  connectTimeout?: number;
  requestTimeout?: number;
  maxRetries?: number;
  /** Batches in flight at once (also the client's max-inflight). */
  maxInflight?: number;
}

/**
 * Short defaults for an interactive tool (Flume's SDK waits 20 s for a connect). A properties
 * file's own values win over these; flags win over both.
 */
export const CLI_DEFAULTS = Object.freeze({
  'batch-size': 100,
  'connect-timeout': 5_000,
  'request-timeout': 10_000,
  'max-retries': 2,
  'max-inflight': 4,
});

export interface AvroClientIo {
  stdin: Readable;
  /** Summary lines. */
  out: (line: string) => void;
  /** Warnings. */
  err: (line: string) => void;
  /** Where the single-line progress goes, when it is a terminal. */
  progress?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Aborted on SIGINT/SIGTERM: stop reading, let batches in flight finish (bounded), close. */
  signal?: AbortSignal;
}

export interface AvroClientSummary {
  /** Where events went: host:port, or the hosts of a properties file. */
  target: string;
  read: number;
  acknowledged: number;
  failed: number;
  elapsedMs: number;
  interrupted: boolean;
  /** Why sending stopped early: a batch failed ('delivery') or an input could not be read or spooled ('input'). */
  error: { kind: 'delivery' | 'input'; message: string } | null;
  /** Spooled files renamed to their completed name; null without --dirname. */
  completedFiles: number | null;
}

/** How long a partial batch waits for more lines before it is sent anyway. */
const LINGER_MS = 1_000;

function orLinger<T>(next: Promise<T>, ms: number): Promise<T | 'linger'> {
  let timer: NodeJS.Timeout | undefined;
  const linger = new Promise<'linger'>((resolve) => (timer = setTimeout(() => resolve('linger'), ms)));
  return Promise.race([next, linger]).finally(() => clearTimeout(timer));
}

/** Reads lines and sends each as one event, in batches, with a bounded number of batches in flight. */
export async function runAvroClient(options: AvroClientOptions, io: AvroClientIo): Promise<AvroClientSummary> {
  const signal = io.signal ?? new AbortController().signal;
  const properties = await clientProperties(options, io.err);
  let config: ClientConfig;
  try {
    // Checked here to fail before reading any input; the factory parses again and says the warnings.
    config = parseClientProperties(properties, () => undefined);
  } catch (err) {
    throw new UsageError(describe(err));
  }
  const target = describeTarget(config);
  const headers = options.headerFile === undefined ? {} : await readHeaders(options.headerFile);
  const sources = await resolveSources(options, io.stdin);
  const window = config.options.maxInflight;

  const started = Date.now();
  const summary: AvroClientSummary = {
    target,
    read: 0,
    acknowledged: 0,
    failed: 0,
    elapsedMs: 0,
    interrupted: false,
    error: null,
    completedFiles: options.dirname === undefined ? null : 0,
  };
  // Stops reading: on interrupt, or when a batch failed.
  const stop = new AbortController();
  const onInterrupt = (): void => {
    summary.interrupted = true;
    stop.abort();
  };
  if (signal.aborted) onInterrupt();
  signal.addEventListener('abort', onInterrupt, { once: true });
  let retries: RetryReport | null = null;
  const fail = (error: unknown): void => {
    const kind = error instanceof InputError || error instanceof SpoolError ? 'input' : 'delivery';
    const message = oneLine(describe(error));
    summary.error ??= { kind, message: kind === 'delivery' && retries ? retries.explain(error, message) : message };
    stop.abort();
  };
  const stopped = new Promise<void>((resolve) =>
    stop.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  const progress = startProgress(io.progress, summary, started);

  let client: RpcClient | null = null;
  // Aborts calls still in flight once the drain bound has passed, so close() does not wait again.
  const drain = new AbortController();
  const inflight = new Set<Promise<void>>();
  try {
    try {
      client = await RpcClientFactory.getInstance(properties, {
        warn: (message) => io.err(`warning: ${message}`),
        connect: false,
      });
    } catch (err) {
      // e.g. a client.type whose implementation is not available
      if (err instanceof ConfigurationError) throw new UsageError(err.message);
      throw err;
    }
    retries = reportRetries(client, io.err);
    // Connect before reading, as Flume's avro-client does: a wrong address fails before any input is read.
    await client.connect(stop.signal).catch((err: unknown) => (stop.signal.aborted ? undefined : fail(err)));
    const batchSize = client.getBatchSize();
    const send = (events: Event[]): void => {
      const call: Promise<void> = client!.appendBatch(events, { signal: drain.signal }).then(
        () => {
          summary.acknowledged += events.length;
        },
        (error: unknown) => {
          // A client's call rejects with a FlumeRpcError (a PartialBatchError says how much got through).
          const acknowledged = error instanceof PartialBatchError ? error.acknowledged : 0;
          summary.acknowledged += acknowledged;
          summary.failed += events.length - acknowledged;
          // Calls cut short by the drain bound are counted as failed, but were not the reason to stop.
          if (!drain.signal.aborted) fail(error);
        },
      );
      inflight.add(call);
      void call.finally(() => inflight.delete(call));
    };
    let batch: Event[] = [];
    const waitForRoom = async (): Promise<void> => {
      while (inflight.size >= window && !stop.signal.aborted) await Promise.race([...inflight, stopped]);
    };
    const lines = readLines(sources, stop.signal);
    try {
      // Reading is pulled one chunk at a time, and only when there is room for more batches.
      let next = lines.next();
      for (;;) {
        // A partial batch goes out when no more input comes for a while (a slow pipe, tail -f).
        const result = batch.length > 0 && !stop.signal.aborted ? await orLinger(next, LINGER_MS) : await next;
        if (result === 'linger') {
          send(batch);
          batch = [];
          await waitForRoom();
          continue;
        }
        if (result.done) break;
        const { source, lines: bodies, end } = result.value;
        for (const body of bodies) {
          // Stop at once: after a failure nothing more is sent; on an interrupt the batch being
          // filled still is (below), the rest of the chunk is dropped uncounted.
          if (stop.signal.aborted) break;
          summary.read += 1;
          batch.push({ headers, body });
          if (batch.length >= batchSize) {
            send(batch);
            batch = [];
            await waitForRoom();
          }
        }
        if (stop.signal.aborted) break;
        if (end && source.complete) {
          // A spooled file is done once every batch holding its lines is acknowledged; only then
          // is it checked and renamed, and its batches never carry the next file's lines.
          if (batch.length > 0) send(batch);
          batch = [];
          await Promise.allSettled([...inflight]);
          if (stop.signal.aborted) break;
          await source.complete();
          summary.completedFiles = (summary.completedFiles ?? 0) + 1;
        }
        next = lines.next();
      }
      if (!summary.error && batch.length > 0) send(batch);
    } catch (err) {
      fail(err);
    } finally {
      // Ends the generator, which closes the input (stop has aborted it, or it is at its end).
      stop.abort();
      await lines.return(undefined).catch(() => undefined);
    }
    // Everything handed over finishes: unbounded on a normal end (each call is bounded by the
    // client's timeouts), bounded by the request timeout when stopping early.
    const all = Promise.allSettled([...inflight]);
    if (summary.interrupted || summary.error) {
      const bound = config.options.requestTimeoutMs;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, bound)))]);
      clearTimeout(timer);
      drain.abort(new Error('stopped'));
    }
    await Promise.allSettled([...inflight]);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    fail(err);
  } finally {
    signal.removeEventListener('abort', onInterrupt);
    drain.abort(new Error('stopped'));
    await client?.close().catch(() => undefined);
    summary.elapsedMs = Date.now() - started;
    progress.stop();
  }
  return summary;
}

/** The summary line: events read, acknowledged, failed, elapsed, rate. */
export function summaryLine(summary: AvroClientSummary): string {
  const unsent = summary.read - summary.acknowledged - summary.failed;
  const parts = [
    `${summary.read} events read`,
    `${summary.acknowledged} acknowledged`,
    `${summary.failed} failed`,
    ...(unsent > 0 ? [`${unsent} not sent`] : []),
    ...(summary.completedFiles === null
      ? []
      : [`${summary.completedFiles} file${summary.completedFiles === 1 ? '' : 's'} completed`]),
    `elapsed ${formatSeconds(summary.elapsedMs)} s`,
    `${formatRate(summary.acknowledged, summary.elapsedMs)} events/s`,
  ];
  return `${summary.interrupted ? 'interrupted' : 'avro-client'}: ${parts.join(', ')} (${summary.target})`;
}

/** Properties for RpcClientFactory: the file's (or host/port), then the CLI's defaults where unset, then flags. */
async function clientProperties(
  options: AvroClientOptions,
  warn: (line: string) => void,
): Promise<Record<string, string>> {
  let properties: Record<string, string>;
  if (options.rpcProps !== undefined) {
    try {
      // An Avro sink's section becomes plain client keys first, so the CLI's defaults below land on the same keys.
      properties = fromSinkSection(await readPropertiesFile(options.rpcProps), (message) =>
        warn(`warning: ${message}`),
      );
    } catch (err) {
      throw new UsageError(describe(err));
    }
    if (options.host !== undefined || options.port !== undefined)
      warn(`warning: --host/--port are ignored: the hosts come from ${options.rpcProps}`);
  } else {
    if (options.host === undefined || options.host === '')
      throw new UsageError('a host is required: -H/--host <host> (or a client properties file with -P/--rpcProps)');
    if (options.port === undefined)
      throw new UsageError('a port is required: -p/--port <port> (or a client properties file with -P/--rpcProps)');
    properties = { 'client.type': 'default', hosts: 'h1', 'hosts.h1': formatAddress(options.host, options.port) };
  }
  const flags: Record<keyof typeof CLI_DEFAULTS, number | undefined> = {
    'batch-size': options.batchSize,
    'connect-timeout': options.connectTimeout,
    'request-timeout': options.requestTimeout,
    'max-retries': options.maxRetries,
    'max-inflight': options.maxInflight,
  };
  for (const [key, fallback] of Object.entries(CLI_DEFAULTS) as Array<[keyof typeof CLI_DEFAULTS, number]>) {
    const flag = flags[key];
    if (flag !== undefined) properties[key] = String(flag);
    else if (properties[key] === undefined) properties[key] = String(fallback);
  }
  return properties;
}

/** Headers for every event: a Java properties file of key=value lines, as Flume's -R reads it. */
async function readHeaders(file: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`-R/--headerFile ${file}: ${describe(err)}`);
  }
  return parseProperties(text) as Record<string, string>;
}

function describeTarget(config: ClientConfig): string {
  const name = (host: HostAddress): string => host.url ?? formatAddress(host.host, host.port);
  if (config.clientType === 'default' || config.clientType === 'http') return name(config.host);
  return `${config.clientType} ${config.hosts.map(name).join(', ')}`;
}

/** A single line on a terminal, redrawn a few times a second: counts and the current rate. */
function startProgress(
  stream: AvroClientIo['progress'],
  summary: AvroClientSummary,
  started: number,
): { stop(): void } {
  if (!stream?.isTTY) return { stop: () => undefined };
  let shown = false;
  const draw = (): void => {
    const elapsed = Date.now() - started;
    stream.write(
      `\r${summary.acknowledged} acknowledged, ${summary.read} read, ${formatRate(summary.acknowledged, elapsed)} events/s\x1b[K`,
    );
    shown = true;
  };
  const timer = setInterval(draw, 200);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
