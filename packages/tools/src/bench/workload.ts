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

/**
 * The standard workload with text bodies: Flume's JSONHandler carries a body as a JSON string, so
 * an HTTP client refuses bytes that are not text. Each body is 256 random base64 characters (one
 * byte each in UTF-8, none escaped by JSON), so the events and their sizes match the Avro ones.
 */
export function standardTextWorkload(batchSize = STANDARD_BATCH_SIZE, bodyBytes = STANDARD_BODY_BYTES): Workload {
  const { events } = standardWorkload(batchSize, bodyBytes);
  for (const event of events) {
    event.body = Buffer.from(randomBytes(bodyBytes).toString('base64').slice(0, bodyBytes), 'utf8');
  }
  return { batchSize, bodyBytes, events };
}

/** What a scenario's result records of its workload: the batch, the body size and the header names. */
export function workloadSettings(workload: Workload): { batchSize: number; bodyBytes: number; headers: string[] } {
  return {
    batchSize: workload.batchSize,
    bodyBytes: workload.bodyBytes,
    headers: Object.keys(workload.events[0]?.headers ?? {}),
  };
}
