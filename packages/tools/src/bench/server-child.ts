/**
 * Entry of the benchmark's server child: an AvroSourceServer (or, with --http-source, the HTTP
 * source; with --avsc-server, avsc's services server) on 127.0.0.1, in its own process so that it
 * does not share an event loop (and, on 2 cores, a core) with the clients it serves.
 */
import { readFileSync } from 'node:fs';
import { AvroSourceServer, type Status, describe } from '@flume-rpc/netty-compat';
import { AvscSourceServer } from './avsc-source-server.js';
import { HttpSourceServer } from './http-source-server.js';
import {
  AVSC_SERVER_FLAG,
  BUILD_EVENTS_FLAG,
  type ChildMessage,
  HTTP_SOURCE_FLAG,
  isParentMessage,
  parseWireArgs,
} from './server-messages.js';

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** The server the arguments ask for; each one reports ServerStats and listens the same way. */
function serverFor(argv: readonly string[]): AvroSourceServer | HttpSourceServer | AvscSourceServer {
  if (argv.includes(HTTP_SOURCE_FLAG)) return new HttpSourceServer();
  if (argv.includes(AVSC_SERVER_FLAG)) return new AvscSourceServer();
  // Handlers that accept without looking still make the server build every event.
  const accept = (): Status => 'OK';
  const wire = parseWireArgs(argv);
  return new AvroSourceServer({
    ...(argv.includes(BUILD_EVENTS_FLAG) ? { handlers: { append: accept, appendBatch: accept } } : {}),
    compressionLevel: wire.compressionLevel ?? null,
    tls: wire.tls ? { key: readFileSync(wire.tls.keyFile), cert: readFileSync(wire.tls.certFile) } : null,
  });
}

async function main(): Promise<void> {
  if (!process.send)
    throw new Error('server-child.js must be started with child_process.fork (it needs an IPC channel)');
  // The parent is the only owner: when it goes away, so do we, so a crashed run leaves no server.
  process.on('disconnect', () => process.exit(0));
  // An orderly exit on the parent's SIGTERM, so that a --cpu-prof child still writes its profile.
  process.on('SIGTERM', () => process.exit(0));
  const server = serverFor(process.argv);
  process.on('message', (message: unknown) => {
    if (!isParentMessage(message)) return;
    // CPU time alongside the counters: it tells whether the server was the bottleneck of a run.
    const cpu = process.cpuUsage();
    send({ type: 'stats', id: message.id, stats: { ...server.stats }, cpuMicros: cpu.user + cpu.system });
  });
  const port = await server.listen(0, '127.0.0.1');
  send({ type: 'listening', port });
}

main().catch((err: unknown) => {
  send({ type: 'failed', message: describe(err) });
  process.exit(1);
});
