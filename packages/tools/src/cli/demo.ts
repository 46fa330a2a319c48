#!/usr/bin/env node
/**
 * `npm run demo`: first the happy path (the sample access log sent with `flume-rpc avro-client`
 * to `flume-rpc serve`, both child processes, counts checked), then the point of the project (an
 * agent stalls its handshakes and recovers; the same client instance times out, retries and
 * sends again, beside what Flume's Java client does). Exits 1 if either part fails.
 */
import { fileURLToPath } from 'node:url';
import { describe } from '@flume-rpc/netty-compat';
import { demoDelivery } from './demo-delivery.js';
import { killChildrenOnExit, stopAll } from './demo-processes.js';
import { demoRecovery } from './demo-recovery.js';

/** Shipped with the package (files: sample), found beside dist/ wherever the package lives. */
const SAMPLE = fileURLToPath(new URL('../../sample/access.log', import.meta.url));

async function demo(): Promise<number> {
  try {
    console.log('== 1. A log file sent to an agent ==\n');
    const delivered = await demoDelivery(SAMPLE);
    console.log('\n== 2. The agent stops answering handshakes, then recovers ==\n');
    const recovered = await demoRecovery(SAMPLE);
    return delivered && recovered ? 0 : 1;
  } finally {
    await stopAll();
  }
}

killChildrenOnExit();
demo().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`demo failed: ${describe(err)}`);
    process.exit(1);
  },
);
