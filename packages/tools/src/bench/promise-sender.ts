import { asError } from '@flume-rpc/netty-compat';
import type { Sender } from './closed-loop.js';

/** A client whose calls return promises, opened and ready (its handshake done, no batch sent). */
export interface PromiseClient {
  /** One appendBatch; resolves with an error message when the server answered anything but OK. */
  call(): Promise<string | null>;
  close(): Promise<void> | void;
}

/**
 * Waits for `ready`, closing the client if that fails, then drives it as a Sender: one call per
 * send, the promise's outcome handed to `done`.
 */
export async function promiseSender(client: PromiseClient, ready: Promise<void>): Promise<Sender> {
  try {
    await ready;
  } catch (err) {
    await client.close();
    throw err;
  }
  return {
    setupRequests: 0, // readiness comes from a handshake-only ping, which carries no events
    send(done) {
      client.call().then(
        (failure) => done(failure === null ? null : new Error(failure)),
        (err: unknown) => done(asError(err)),
      );
    },
    close: async () => {
      await client.close();
    },
  };
}
