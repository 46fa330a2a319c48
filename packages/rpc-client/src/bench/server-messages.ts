import type { ServerStats } from '@flume-rpc/netty-compat';

/** The child's argument that makes its server build every event (see ServerProcessOptions.buildEvents). */
export const BUILD_EVENTS_FLAG = '--build-events';

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
