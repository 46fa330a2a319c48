import { callHeader } from './call.js';
import type { EncodedParams } from './event-encoder.js';

const INT_BYTES = 4;
/** A call without handshake is two buffers, split as Java splits it: metadata and name, then parameters. */
const CALL_BUFFERS = 2;

/**
 * The free bytes a request of `messageName` needs in front of its parameters to become one whole
 * Netty frame in place: serial, buffer count, the first buffer's length and the call header,
 * then the parameters' length.
 */
export function requestHeadroom(messageName: string): number {
  return 3 * INT_BYTES + callHeader(messageName).length + INT_BYTES;
}

/**
 * Writes the frame and call headers into the headroom of parameters encoded by
 * encodeEventArrayAfter, so the request goes to the socket as one buffer (one write, no copy).
 * The bytes are those encodeFrame(serial, encodeRequest(name, params)) gives.
 */
export function frameRequestInPlace(params: EncodedParams, serial: number, messageName: string): Buffer {
  const header = callHeader(messageName);
  if (params.headroom !== requestHeadroom(messageName)) {
    throw new Error(
      `Parameters were encoded with ${params.headroom} bytes of headroom; ${messageName} needs ${requestHeadroom(messageName)}`,
    );
  }
  const out = params.buffer;
  let offset = out.writeUInt32BE(serial >>> 0, 0);
  offset = out.writeUInt32BE(CALL_BUFFERS, offset);
  offset = out.writeUInt32BE(header.length, offset);
  offset += header.copy(out, offset);
  out.writeUInt32BE(out.length - params.headroom, offset);
  return out;
}
