import avro from 'avsc';
import { ProtocolError } from '../errors.js';
import { SHORT_STRING, cachedAscii } from './short-strings.js';
import {
  type HandshakeRequest,
  type HandshakeResponse,
  decodeHandshakeRequest,
  decodeHandshakeResponse,
  decodeOrThrow,
  encodeHandshakeRequest,
  encodeHandshakeResponse,
} from '../protocol/handshake.js';

/**
 * Avro IPC call format (Avro specification, "Call Format"): a request is call metadata, the
 * message name and the parameters; a response is call metadata, an error flag and either the
 * response or an error. The first of each on a connection is prefixed by the handshake.
 */
const META = avro.Type.forSchema({ type: 'map', values: 'bytes' });
const STRING = avro.Type.forSchema('string');
const BOOLEAN = avro.Type.forSchema('boolean');
/** Empty call metadata: an Avro map with zero blocks. */
const EMPTY_META = Buffer.from([0]);

/** The empty message name: a request that only carries the handshake (a "ping"). */
export const PING_MESSAGE = '';

const headerCache = new Map<string, Buffer>();

/**
 * Empty call metadata followed by the message name: the same bytes for every call of a message,
 * so they are encoded once.
 */
export function callHeader(messageName: string): Buffer {
  let header = headerCache.get(messageName);
  if (header === undefined) {
    header = Buffer.concat([EMPTY_META, STRING.toBuffer(messageName)]);
    headerCache.set(messageName, header);
  }
  return header;
}

/**
 * The buffers of a request frame, split as Avro Java splits them: handshake, metadata and name in
 * the first, parameters in the second (none for a ping).
 */
export function encodeRequest(messageName: string, params: Buffer | null, handshake?: HandshakeRequest): Buffer[] {
  const header = handshake
    ? Buffer.concat([encodeHandshakeRequest(handshake), callHeader(messageName)])
    : callHeader(messageName);
  return params === null ? [header] : [header, params];
}

export interface DecodedRequest {
  handshake: HandshakeRequest | null;
  /** Null when the handshake failed and the peer must not read further (Java stops there too). */
  messageName: string | null;
  /** Offset of the parameters in the body. */
  paramsOffset: number;
}

/** Reads the handshake (when one is due), metadata and message name of a request body. */
export function decodeRequestHead(body: Buffer, expectHandshake: boolean): DecodedRequest {
  if (!expectHandshake) {
    const plain = plainRequestHead(body);
    if (plain !== null) return plain;
  }
  let offset = 0;
  let handshake: HandshakeRequest | null = null;
  if (expectHandshake) {
    const decoded = decodeHandshakeRequest(body, offset);
    handshake = decoded.value;
    offset = decoded.offset;
  }
  offset = decodeOrThrow(META, body, offset, 'request metadata').offset;
  const name = decodeOrThrow<string>(STRING, body, offset, 'message name');
  return { handshake, messageName: name.value, paramsOffset: name.offset };
}

/**
 * The head of nearly every request after the handshake, read without avsc: empty metadata and a
 * short name (one-byte length). Anything else, malformed input included, returns null and takes
 * the general path, which names what is wrong.
 */
function plainRequestHead(body: Buffer): DecodedRequest | null {
  if (body.length < 2 || body[0] !== 0) return null;
  const zigzag = body[1]!;
  const length = zigzag >> 1;
  if ((zigzag & 1) !== 0 || length > SHORT_STRING || 2 + length > body.length) return null;
  return { handshake: null, messageName: cachedAscii(body, 2, length), paramsOffset: 2 + length };
}

export interface DecodedRequestFrame extends DecodedRequest {
  /** The bytes holding the parameters, from `paramsOffset`. */
  params: Buffer;
}

/**
 * Reads the head of a request frame. Java, avsc and our client put the handshake, metadata and
 * name in the first buffer and the parameters after it (Java in 8 KiB buffers, ours and avsc in
 * one), so the parameters are read where they arrived instead of being copied into one body
 * again; a client that splits anywhere else is read from the joined frame.
 */
export function decodeRequestFrame(buffers: readonly Buffer[], expectHandshake: boolean): DecodedRequestFrame {
  const parts = buffers.filter((buffer) => buffer.length > 0);
  if (parts.length > 1) {
    const head = decodeHeadOf(parts[0]!, expectHandshake);
    if (head !== null && head.paramsOffset === parts[0]!.length) {
      const params = parts.length === 2 ? parts[1]! : Buffer.concat(parts.slice(1));
      return { handshake: head.handshake, messageName: head.messageName, params, paramsOffset: 0 };
    }
  }
  const body = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  const head = decodeRequestHead(body, expectHandshake);
  return { handshake: head.handshake, messageName: head.messageName, params: body, paramsOffset: head.paramsOffset };
}

/** The head when `first` holds all of it; null when it runs past the buffer (read from the joined frame instead). */
function decodeHeadOf(first: Buffer, expectHandshake: boolean): DecodedRequest | null {
  try {
    return decodeRequestHead(first, expectHandshake);
  } catch (err) {
    if (err instanceof ProtocolError) return null;
    throw err;
  }
}

/** A response body: handshake prefix (when one was sent), metadata, error flag, then value bytes. */
export function encodeResponse(
  handshake: HandshakeResponse | null,
  outcome: { error: false; value: Buffer } | { error: true; value: Buffer } | null,
): Buffer[] {
  const buffers: Buffer[] = [];
  if (handshake) buffers.push(encodeHandshakeResponse(handshake));
  if (outcome) {
    buffers.push(Buffer.concat([EMPTY_META, BOOLEAN.toBuffer(outcome.error), outcome.value]));
  }
  return buffers;
}

export interface DecodedResponseHead {
  handshake: HandshakeResponse | null;
  /** False when the body ends after the handshake (a ping answer or a failed handshake). */
  hasCall: boolean;
  isError: boolean;
  valueOffset: number;
}

/** Reads a response's handshake prefix (when one is due), metadata and error flag. */
export function decodeResponseHead(body: Buffer, expectHandshake: boolean): DecodedResponseHead {
  let offset = 0;
  let handshake: HandshakeResponse | null = null;
  if (expectHandshake) {
    const decoded = decodeHandshakeResponse(body, offset);
    handshake = decoded.value;
    offset = decoded.offset;
    if (offset === body.length || handshake.match === 'NONE') {
      return { handshake, hasCall: false, isError: false, valueOffset: offset };
    }
  }
  if (offset >= body.length) {
    throw new ProtocolError('Response ends before its call metadata');
  }
  offset = decodeOrThrow(META, body, offset, 'response metadata').offset;
  const flag = decodeOrThrow<boolean>(BOOLEAN, body, offset, 'response error flag');
  return { handshake, hasCall: true, isError: flag.value, valueOffset: flag.offset };
}

/** Decodes the whole of `body` from `offset` as one value; trailing bytes are a protocol error. */
export function decodeValue<T>(
  type: avro.Type,
  body: Buffer,
  offset: number,
  what: string,
  resolver?: avro.Resolver,
  writer?: avro.Type,
): T {
  const decoded = decodeOrThrow<T>(type, body, offset, what, resolver, writer);
  if (decoded.offset !== body.length) {
    throw new ProtocolError(`${body.length - decoded.offset} unexpected bytes after ${what}`);
  }
  return decoded.value;
}

/** Avro's system error text as the error union's first branch. */
export function encodeSystemError(errors: avro.Type, message: string): Buffer {
  return errors.toBuffer(message);
}
