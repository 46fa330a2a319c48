import { performance } from 'node:perf_hooks';
import { FLUME_PROTOCOL } from '@flume-rpc/netty-compat';
import type { Workload } from './workload.js';

/**
 * How fast this host is right now, on one core: avsc encoding the workload's batch, in events/s.
 * On this shared VM the same code ran 1.7x slower an hour later; a figure is comparable with
 * another run's only when their calibrations are close, while ratios within one run always are.
 */
export function calibrateEncode(workload: Workload, budgetMs = 200, maxBatches = 50_000): number {
  const type = FLUME_PROTOCOL.messages.get('appendBatch')?.request;
  if (!type) throw new Error('AvroSourceProtocol has no appendBatch message');
  const params = { events: workload.events };
  for (let i = 0; i < 200; i += 1) type.toBuffer(params); // let the JIT compile the writer first
  const start = performance.now();
  let batches = 0;
  while (batches < maxBatches && performance.now() - start < budgetMs) {
    type.toBuffer(params);
    batches += 1;
  }
  return (batches * workload.batchSize * 1000) / (performance.now() - start);
}
