/**
 * Bounds on what a peer may make us buffer. A frame that breaks one is a ProtocolError and its
 * connection is closed, so memory per connection never exceeds maxFrameBytes plus one socket chunk.
 */
export interface FrameLimits {
  /** Most buffers one frame may declare. Java splits messages into 8 KiB buffers. */
  maxBufferCount: number;
  /** Largest single buffer. */
  maxBufferBytes: number;
  /** Largest frame: the sum of its buffers' lengths. */
  maxFrameBytes: number;
}

export const DEFAULT_FRAME_LIMITS: Readonly<FrameLimits> = Object.freeze({
  maxBufferCount: 10_000,
  maxBufferBytes: 64 * 1024 * 1024,
  maxFrameBytes: 64 * 1024 * 1024,
});

export function resolveLimits(partial?: Partial<FrameLimits>): FrameLimits {
  const limits = { ...DEFAULT_FRAME_LIMITS, ...partial };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`Frame limit ${key} must be a positive integer, got ${String(value)}`);
    }
  }
  return limits;
}
