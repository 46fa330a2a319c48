/**
 * Bounds that keep one server alive whatever its peers do: how long a connection may take to
 * handshake, sit idle or send one frame, how many may be open, how many bytes of unfinished
 * frames all of them may make it hold, and how many events one call may carry. Flume's own Avro
 * source (Avro 1.11's NettyServer) sets none of these; the defaults are chosen so that any client
 * that works against Flume with Flume's default timeouts works here too. Each can be
 * `Infinity` (no bound), as Flume behaves.
 */
export interface ServerLimits {
  /**
   * From accept (TCP, and TLS when served) until a valid Avro handshake request arrived. 20 s:
   * Flume's clients give up on a handshake after their connect-timeout, 20 s by default.
   */
  handshakeTimeoutMs: number;
  /**
   * No frame for this long while no call is being answered: the connection is closed. 10 min
   * (Kafka's connections.max.idle.ms): clients keep a connection between batches, and Flume never
   * closes one, so a Java client that sends every few minutes must not find its connection gone.
   */
  idleTimeoutMs: number;
  /**
   * A frame started must be complete within this: a peer sending a byte a second is closed.
   * 30 s: longer than a client's default request-timeout (20 s), after which it has given up
   * on the call anyway.
   */
  frameReadTimeoutMs: number;
  /** Open connections; past it new ones are closed at once. 1024: a file descriptor each, under the usual ulimit. */
  maxConnections: number;
  /**
   * Bytes held in unfinished frames by all connections together (each is bounded by
   * maxFrameBytes alone). 256 MiB: four 64 MiB frames in flight, far above normal batches.
   */
  maxBufferedBytes: number;
  /**
   * Events in one appendBatch, checked on the array's declared counts before any event is built.
   * 100 000: ten times a file channel's default transactionCapacity (10 000), the most a stock
   * agent commits in one call; a memory channel's default is 100.
   */
  maxBatchEvents: number;
}

export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  handshakeTimeoutMs: 20_000,
  idleTimeoutMs: 600_000,
  frameReadTimeoutMs: 30_000,
  maxConnections: 1024,
  maxBufferedBytes: 256 * 1024 * 1024,
  maxBatchEvents: 100_000,
});

/** The defaults with `partial` over them; an undefined field means its default. */
export function resolveServerLimits(partial: Partial<ServerLimits> = {}): ServerLimits {
  const limits = { ...DEFAULT_SERVER_LIMITS };
  for (const key of Object.keys(DEFAULT_SERVER_LIMITS) as Array<keyof ServerLimits>) {
    const value = partial[key];
    if (value === undefined) continue;
    if (value !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(value) || value < 1)) {
      throw new RangeError(`Server limit ${key} must be a positive integer or Infinity, got ${String(value)}`);
    }
    limits[key] = value;
  }
  return limits;
}
