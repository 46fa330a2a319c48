import { AvroSourceServer } from '@flume-rpc/netty-compat';
import type { HostAddress } from '@flume-rpc/rpc-client';
import type { ChaosLedger } from './chaos-ledger.js';
import { DamagingProxy } from './damaging-proxy.js';
import { GarbageServer } from './garbage-server.js';
import { listenRestartable } from './restartable-port.js';

const LOOPBACK = '127.0.0.1';

/**
 * What the chaos scenario breaks: three servers that store into the ledger, a proxy in front of
 * the second (frames cut and garbled), and a server that answers garbage. All on 127.0.0.1, in
 * this process, because a killed server must come back on its port (close()/listen()).
 */
export class ChaosRig {
  private constructor(
    readonly servers: readonly AvroSourceServer[],
    readonly proxy: DamagingProxy,
    readonly garbage: GarbageServer,
  ) {}

  static async start(ledger: ChaosLedger): Promise<ChaosRig> {
    const servers: AvroSourceServer[] = [];
    const started: Array<{ close(): Promise<void> }> = [];
    try {
      for (let i = 0; i < 3; i += 1) {
        const server = new AvroSourceServer({ handlers: ledger.handlers() });
        await listenRestartable((port) => server.listen(port, LOOPBACK));
        servers.push(server);
        started.push(server);
      }
      const proxy = await DamagingProxy.start(servers[1]!.port);
      started.push(proxy);
      const garbage = await GarbageServer.start('bad-frames');
      return new ChaosRig(servers, proxy, garbage);
    } catch (err) {
      for (const thing of started) await thing.close();
      throw err;
    }
  }

  /** Where clients connect: h1 and h3 directly, h2 through the proxy, h4 the garbage server. */
  hosts(): { direct: HostAddress[]; damaged: HostAddress; garbage: HostAddress } {
    const direct = [0, 2].map((i) => ({ alias: `h${i + 1}`, host: LOOPBACK, port: this.servers[i]!.port }));
    return {
      direct,
      damaged: { alias: 'h2', host: LOOPBACK, port: this.proxy.port },
      garbage: { alias: 'h4', host: LOOPBACK, port: this.garbage.port },
    };
  }

  async close(): Promise<void> {
    await this.proxy.close();
    await this.garbage.close();
    for (const server of this.servers) await server.close();
  }
}
