import net from 'node:net';
import { FrameDecoder, encodeFrame } from '@flume-rpc/netty-compat';

/**
 * `text`: answers the first bytes it gets with an HTTP error, as a web server on the agent's port
 * would: not frames at all. `bad-frames`: answers every request frame with a frame of the same
 * serial whose content is not Avro, as a peer speaking another protocol over the same framing.
 */
export type GarbageKind = 'text' | 'bad-frames';

const HTTP_ANSWER = Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n', 'latin1');

/** A plain TCP server on 127.0.0.1 that accepts connections and answers garbage; it never stores anything. */
export class GarbageServer {
  readonly stats = { connections: 0, answers: 0 };
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly listener: net.Server,
    readonly port: number,
  ) {}

  static async start(kind: GarbageKind, host = '127.0.0.1'): Promise<GarbageServer> {
    let server: GarbageServer | null = null;
    const listener = net.createServer((socket) => server?.accept(socket, kind));
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(0, host, () => resolve());
    });
    server = new GarbageServer(listener, (listener.address() as net.AddressInfo).port);
    return server;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.listener.close(() => resolve()));
  }

  private accept(socket: net.Socket, kind: GarbageKind): void {
    this.stats.connections += 1;
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
    if (kind === 'text') {
      socket.once('data', () => {
        this.stats.answers += 1;
        socket.write(HTTP_ANSWER);
      });
      return;
    }
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of decoder.push(chunk)) {
          this.stats.answers += 1;
          for (const part of encodeFrame(frame.serial, [Buffer.alloc(16, 0xff)])) socket.write(part);
        }
      } catch {
        socket.destroy();
      }
    });
  }
}
