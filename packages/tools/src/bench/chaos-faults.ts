import type { ChaosRig } from './chaos-rig.js';

/** One kind of trouble; inject() returns once the trouble is over (a killed server is back). */
export interface Fault {
  readonly name: string;
  inject(): Promise<void>;
}

export interface FaultTimings {
  /** How long a killed server stays down. */
  outageMs: number;
  /** How long a stall lasts: longer than the clients' handshake and request timeouts, so that it is felt. */
  stallMs: number;
}

/**
 * The scenario's fault mix, in the order it is played (round after round): servers killed and
 * restarted, connections dropped, handshakes and answers stalled, frames cut mid-frame and
 * garbled in both directions. The garbage server is a permanent host and needs no turn.
 */
export function faultMix(rig: ChaosRig, timings: FaultTimings): Fault[] {
  const [h1, h2, h3] = rig.servers as [ChaosRig['servers'][0], ChaosRig['servers'][0], ChaosRig['servers'][0]];
  const { proxy } = rig;
  const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  const outage = (): Promise<void> => wait(timings.outageMs);
  const stall = (): Promise<void> => wait(timings.stallMs);
  return [
    {
      name: 'kill and restart h1',
      inject: async () => {
        await h1.close();
        await outage();
        await h1.listen();
      },
    },
    { name: 'cut a request mid-frame (h2)', inject: async () => proxy.arm('request', 'cut') },
    { name: 'drop h3 connections', inject: async () => h3.dropConnections() },
    { name: 'cut an answer mid-frame (h2)', inject: async () => proxy.arm('response', 'cut') },
    {
      name: 'stall h2 handshakes',
      inject: async () => {
        h2.setFaults({ handshakeStallMs: Number.POSITIVE_INFINITY });
        h2.dropConnections();
        await stall();
        h2.setFaults({ handshakeStallMs: 0 });
      },
    },
    { name: 'garble an answer (h2)', inject: async () => proxy.arm('response', 'garble') },
    {
      name: 'stall h3 answers',
      inject: async () => {
        h3.setFaults({ responseDelayMs: Number.POSITIVE_INFINITY });
        await stall();
        h3.setFaults({ responseDelayMs: 0 });
      },
    },
    { name: 'garble a request (h2)', inject: async () => proxy.arm('request', 'garble') },
    {
      name: 'kill and restart h3',
      inject: async () => {
        await h3.close();
        await outage();
        await h3.listen();
      },
    },
  ];
}
