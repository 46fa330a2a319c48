import net from 'node:net';
import { type Frame, FrameDecoder, encodeFrame } from '@flume-rpc/netty-compat';

/** client to server (requests, handshakes) or server to client (answers). */
export type Direction = 'request' | 'response';

/**
 * What happens to the next frame: `cut` forwards part of it and then closes both connections, as a
 * network failure in the middle of a frame; `garble` forwards it whole with every byte of its
 * buffers replaced, so the framing holds and the content does not decode.
 */
export type Damage = 'cut' | 'garble';

export interface ProxyStats {
  connections: number;
  cut: Record<Direction, number>;
  garbled: Record<Direction, number>;
}

/**
 * A TCP proxy on 127.0.0.1 that forwards Netty frames between a client and one server and damages
 * the frames it is told to. It forwards frame by frame (decoding the stream on both sides), so a
 * cut is known to fall inside a frame rather than between two.
 */
export class DamagingProxy {
  readonly stats: ProxyStats = {
    connections: 0,
    cut: { request: 0, response: 0 },
    garbled: { request: 0, response: 0 },
  };
  private readonly armed: Record<Direction, Damage[]> = { request: [], response: [] };
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly listener: net.Server,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(targetPort: number, host = '127.0.0.1'): Promise<DamagingProxy> {
    let proxy: DamagingProxy | null = null;
    const listener = net.createServer((socket) => proxy?.accept(socket));
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(0, host, () => resolve());
    });
    proxy = new DamagingProxy(listener, (listener.address() as net.AddressInfo).port, { host, port: targetPort });
    return proxy;
  }

  /** The next frame in `direction`, on whichever connection carries one first, gets `damage`. */
  arm(direction: Direction, damage: Damage): void {
    this.armed[direction].push(damage);
  }

  /** Damage armed and not yet done (no frame went that way since). */
  pending(direction: Direction): number {
    return this.armed[direction].length;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.listener.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.stats.connections += 1;
    const server = net.connect({ host: this.target.host, port: this.target.port, noDelay: true });
    client.setNoDelay(true);
    const both = [client, server];
    const link = { severed: false };
    const closeBoth = (): void => {
      link.severed = true;
      for (const socket of both) socket.destroy();
    };
    for (const socket of both) {
      this.sockets.add(socket);
      socket.on('error', closeBoth);
      socket.on('close', () => {
        this.sockets.delete(socket);
        closeBoth();
      });
    }
    this.pipe(client, server, 'request', link, closeBoth);
    this.pipe(server, client, 'response', link, closeBoth);
  }

  private pipe(
    from: net.Socket,
    to: net.Socket,
    direction: Direction,
    link: { severed: boolean },
    closeBoth: () => void,
  ): void {
    const decoder = new FrameDecoder();
    from.on('data', (chunk: Buffer) => {
      // Once cut, nothing more crosses in either direction, even before the sockets are gone.
      if (link.severed) return;
      let frames: Frame[];
      try {
        frames = decoder.push(chunk);
      } catch {
        // Not frames: nothing to forward faithfully, so the connection goes as a broken one would.
        closeBoth();
        return;
      }
      for (const frame of frames) {
        const damage = this.armed[direction].shift();
        const bytes = Buffer.concat(
          encodeFrame(frame.serial, damage === 'garble' ? frame.buffers.map(garbage) : frame.buffers),
        );
        if (damage === 'cut') {
          this.stats.cut[direction] += 1;
          link.severed = true;
          // At least the first byte and never the last: the peer holds a partial frame when the connection goes.
          to.write(bytes.subarray(0, Math.max(1, bytes.length >> 1)), closeBoth);
          return;
        }
        if (damage === 'garble') this.stats.garbled[direction] += 1;
        to.write(bytes);
      }
    });
  }
}

/** Same length, no valid Avro: 0xff is a varint continuation byte, so no length or count ever ends. */
function garbage(buffer: Buffer): Buffer {
  return Buffer.alloc(buffer.length, 0xff);
}
