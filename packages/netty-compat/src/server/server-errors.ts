import { FlumeRpcError } from '../errors.js';

/** Which of the server's connection timeouts expired. */
export type ServerTimeout = 'handshake' | 'idle' | 'frame-read';

const TIMEOUT_TEXT: Readonly<Record<ServerTimeout, string>> = {
  handshake: 'did not complete an Avro handshake within the handshake timeout',
  idle: 'sent no frame within the idle timeout',
  'frame-read': 'did not complete a frame within the frame-read timeout',
};

/** A server connection was closed because its peer was too slow; `timeout` names the bound. */
export class ServerTimeoutError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_SERVER_TIMEOUT';
  constructor(
    readonly remoteAddress: string,
    readonly timeout: ServerTimeout,
    readonly timeoutMs: number,
  ) {
    super(`Client ${remoteAddress} ${TIMEOUT_TEXT[timeout]} (${timeoutMs} ms)`);
  }
}

/**
 * A server connection was closed to keep the bytes of unfinished frames of all connections under
 * maxBufferedBytes: it held the largest unfinished frame when the total went over.
 */
export class ServerOverloadError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_SERVER_OVERLOAD';
  constructor(
    readonly remoteAddress: string,
    readonly heldBytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `Client ${remoteAddress} closed: its unfinished frame (${heldBytes} bytes) was the largest when all unfinished frames went over maxBufferedBytes (${limitBytes})`,
    );
  }
}

/**
 * An appendBatch declared more events than maxBatchEvents. The server answers the call with an
 * Avro error carrying this message (the client sees a RemoteError) and keeps the connection.
 */
export class BatchLimitError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_BATCH_LIMIT';
  constructor(
    readonly declaredEvents: number,
    readonly limit: number,
  ) {
    super(
      `appendBatch of at least ${declaredEvents} events refused: over maxBatchEvents (${limit}); send smaller batches`,
    );
  }
}
