/**
 * Entry of the benchmark's HTTP source child: an HttpSourceServer on 127.0.0.1, in its own process
 * (as server-child.ts runs the Avro server) so its CPU is not charged to the clients it serves.
 */
import { describe } from '@flume-rpc/netty-compat';
import { HttpSourceServer } from './http-source-server.js';
import { type ChildMessage, isParentMessage } from './server-messages.js';

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  if (!process.send)
    throw new Error('http-source-child.js must be started with child_process.fork (it needs an IPC channel)');
  // The parent is the only owner: when it goes away, so do we, so a crashed run leaves no server.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  const server = new HttpSourceServer();
  process.on('message', (message: unknown) => {
    if (!isParentMessage(message)) return;
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
