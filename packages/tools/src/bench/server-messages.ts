import type { ServerStats } from '@flume-rpc/netty-compat';

/** The child's argument that makes its server build every event (see ServerProcessOptions.buildEvents). */
export const BUILD_EVENTS_FLAG = '--build-events';
/** Run the HTTP source (Flume's JSONHandler on the success path) instead of the Avro server. */
export const HTTP_SOURCE_FLAG = '--http-source';
/** Run avsc's services server (AvscSourceServer) instead of ours, to compare the two servers. */
export const AVSC_SERVER_FLAG = '--avsc-server';

/** The socket stack of the benchmark server: deflate at this level, TLS with these PEM files. */
export interface BenchServerWire {
  compressionLevel?: number;
  tls?: { keyFile: string; certFile: string };
}

/** The child's arguments for a wire, and back: `--compression-level N`, `--tls-key F --tls-cert F`. */
export function wireArgs(wire: BenchServerWire): string[] {
  return [
    ...(wire.compressionLevel !== undefined ? ['--compression-level', String(wire.compressionLevel)] : []),
    ...(wire.tls ? ['--tls-key', wire.tls.keyFile, '--tls-cert', wire.tls.certFile] : []),
  ];
}

export function parseWireArgs(argv: readonly string[]): BenchServerWire {
  const value = (flag: string): string | undefined => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const level = value('--compression-level');
  const keyFile = value('--tls-key');
  const certFile = value('--tls-cert');
  return {
    ...(level !== undefined ? { compressionLevel: Number(level) } : {}),
    ...(keyFile !== undefined && certFile !== undefined ? { tls: { keyFile, certFile } } : {}),
  };
}

/** IPC between the benchmark and its server child (server-child.ts). JSON-serialisable only. */
export type ParentMessage = { type: 'stats'; id: number };

export type ChildMessage =
  | { type: 'listening'; port: number }
  | { type: 'stats'; id: number; stats: ServerStats; cpuMicros: number }
  | { type: 'failed'; message: string };

function typeOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
}

export function isChildMessage(value: unknown): value is ChildMessage {
  const type = typeOf(value);
  return type === 'listening' || type === 'stats' || type === 'failed';
}

export function isParentMessage(value: unknown): value is ParentMessage {
  return typeOf(value) === 'stats' && typeof (value as { id?: unknown }).id === 'number';
}
