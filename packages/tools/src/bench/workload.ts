import { randomBytes } from 'node:crypto';
import type { AvroFlumeEvent } from '@flume-rpc/netty-compat';

/** The standard benchmark workload, the one the reference figures in ../shared/README.md use. */
export interface Workload {
  readonly batchSize: number;
  readonly bodyBytes: number;
  /**
   * One batch, sent again on every request so every client pays the same encoding cost per
   * request. Shared by all clients: never mutate it.
   */
  readonly events: AvroFlumeEvent[];
}

export const STANDARD_BATCH_SIZE = 100;
export const STANDARD_BODY_BYTES = 256;

/**
 * Bodies are random so that nothing downstream (deflate, if a scenario enables it) gets an easy
 * ride; they are generated once so that generating them is never part of a measurement.
 */
export function standardWorkload(batchSize = STANDARD_BATCH_SIZE, bodyBytes = STANDARD_BODY_BYTES): Workload {
  const events: AvroFlumeEvent[] = [];
  for (let seq = 0; seq < batchSize; seq += 1) {
    events.push({ headers: { host: 'bench-host-1', seq: String(seq) }, body: randomBytes(bodyBytes) });
  }
  return { batchSize, bodyBytes, events };
}
