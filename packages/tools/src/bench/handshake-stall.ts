import { performance } from 'node:perf_hooks';
import { type AvroSourceServer, HandshakeTimeoutError } from '@flume-rpc/netty-compat';
import type { Event, NettyAvroRpcClient, RetryInfo } from '@flume-rpc/rpc-client';

/**
 * One client, one producer sending the same batch back to back, and a server that stalls every
 * handshake for a while and then recovers: what the recovery scenario repeats and `npm run demo`
 * shows once. The producer never rebuilds the client: what is measured is the client healing itself.
 */
export class BatchProducer {
  /** Calls reported failed, and those of them failed with HandshakeTimeoutError. */
  failures = 0;
  handshakeTimeoutFailures = 0;
  /** performance.now() of the last acknowledged batch (0: none yet). */
  lastAckAt = 0;
  private stopping = false;
  private readonly acked: Array<() => void> = [];
  private readonly loop: Promise<void>;

  constructor(
    readonly client: NettyAvroRpcClient,
    events: Event[],
  ) {
    this.loop = (async () => {
      while (!this.stopping) {
        try {
          await client.appendBatch(events);
          this.lastAckAt = performance.now();
          for (const wake of this.acked.splice(0)) wake();
        } catch (err) {
          this.failures += 1;
          if (err instanceof HandshakeTimeoutError) this.handshakeTimeoutFailures += 1;
        }
      }
    })();
  }

  /** Resolves at the next acknowledged batch. */
  nextAck(): Promise<void> {
    return new Promise((resolve) => this.acked.push(resolve));
  }

  /** Ends the loop after the call under way, waiting for it at most `boundMs`. */
  async stop(boundMs = 2000): Promise<void> {
    this.stopping = true;
    await Promise.race([this.loop, delay(boundMs)]);
  }
}

export interface StallSettings {
  /** How long the server stalls every handshake (its connections dropped first). */
  stallMs: number;
  /** Bound on waiting for the first acknowledged batch after the recovery. */
  recoveryBoundMs: number;
}

export interface StallRound {
  /** From the stall to the client's first handshake timeout, seen as its retry (null: none; needs max-retries >= 1). */
  detectMs: number | null;
  /** Retries the client started during the stall (each after a failed connect or handshake). */
  retries: number;
  /** Connection attempts whose handshake failed. */
  handshakeTimeouts: number;
  /** Calls reported failed while the server stalled. */
  failedDuringStall: number;
  /** From the recovery to the first acknowledged batch (Infinity: not within the bound). */
  recoveryMs: number;
}

/**
 * Stalls every handshake of `server` and drops its connections, waits `stallMs`, lets the server
 * answer again (held handshakes are answered) and waits for the producer's first acknowledged
 * batch, at most `recoveryBoundMs`. Returns what the client went through.
 */
export async function stallAndRecover(
  server: AvroSourceServer,
  producer: BatchProducer,
  settings: StallSettings,
): Promise<StallRound> {
  const { client } = producer;
  const failuresBefore = producer.failures;
  const timeoutsBefore = client.counters.handshakeFailures;
  let retries = 0;
  let firstTimeoutAt: number | null = null;
  const onRetry = (info: RetryInfo): void => {
    retries += 1;
    if (firstTimeoutAt === null && info.cause instanceof HandshakeTimeoutError) firstTimeoutAt = performance.now();
  };
  client.on('retry', onRetry);
  try {
    const stalledAt = performance.now();
    server.setFaults({ handshakeStallMs: Number.POSITIVE_INFINITY });
    server.dropConnections();
    await delay(settings.stallMs);
    const failedDuringStall = producer.failures - failuresBefore;
    const detectedAt: number | null = firstTimeoutAt;
    const recoveredAt = performance.now();
    const firstAck = producer.nextAck();
    server.setFaults({ handshakeStallMs: 0 });
    await Promise.race([firstAck, delay(settings.recoveryBoundMs)]);
    return {
      detectMs: detectedAt === null ? null : detectedAt - stalledAt,
      retries,
      handshakeTimeouts: client.counters.handshakeFailures - timeoutsBefore,
      failedDuringStall,
      recoveryMs: producer.lastAckAt >= recoveredAt ? producer.lastAckAt - recoveredAt : Number.POSITIVE_INFINITY,
    };
  } finally {
    client.off('retry', onRetry);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
