import avro from 'avsc';
import { ProtocolError, describe } from '../errors.js';
import { checkWellFormed } from '../codec/well-formed.js';

/**
 * The Avro IPC handshake records (Avro specification, "Handshake"). They prefix the first request
 * and response on a connection until the handshake completes with match BOTH or CLIENT.
 */
const MD5_SCHEMA = { type: 'fixed', name: 'org.apache.avro.ipc.MD5', size: 16 } as const;
const META_SCHEMA = ['null', { type: 'map', values: 'bytes' }] as const;

const registry: Record<string, avro.Type> = {};

const HANDSHAKE_REQUEST = avro.Type.forSchema(
  {
    type: 'record',
    name: 'org.apache.avro.ipc.HandshakeRequest',
    fields: [
      { name: 'clientHash', type: MD5_SCHEMA },
      { name: 'clientProtocol', type: ['null', 'string'] },
      { name: 'serverHash', type: 'org.apache.avro.ipc.MD5' },
      { name: 'meta', type: META_SCHEMA },
    ],
  } as unknown as avro.Schema,
  { registry, wrapUnions: false },
);

const HANDSHAKE_RESPONSE = avro.Type.forSchema(
  {
    type: 'record',
    name: 'org.apache.avro.ipc.HandshakeResponse',
    fields: [
      {
        name: 'match',
        type: { type: 'enum', name: 'org.apache.avro.ipc.HandshakeMatch', symbols: ['BOTH', 'CLIENT', 'NONE'] },
      },
      { name: 'serverProtocol', type: ['null', 'string'] },
      { name: 'serverHash', type: ['null', 'org.apache.avro.ipc.MD5'] },
      { name: 'meta', type: META_SCHEMA },
    ],
  } as unknown as avro.Schema,
  { registry, wrapUnions: false },
);

export type HandshakeMatch = 'BOTH' | 'CLIENT' | 'NONE';
export type HandshakeMeta = Record<string, Buffer> | null;

export interface HandshakeRequest {
  clientHash: Buffer;
  clientProtocol: string | null;
  serverHash: Buffer;
  meta: HandshakeMeta;
}

export interface HandshakeResponse {
  match: HandshakeMatch;
  serverProtocol: string | null;
  serverHash: Buffer | null;
  meta: HandshakeMeta;
}

export function encodeHandshakeRequest(request: HandshakeRequest): Buffer {
  return HANDSHAKE_REQUEST.toBuffer(request);
}

export function encodeHandshakeResponse(response: HandshakeResponse): Buffer {
  return HANDSHAKE_RESPONSE.toBuffer(response);
}

/** A decoded value and the offset just past it. */
export interface Decoded<T> {
  value: T;
  offset: number;
}

export function decodeHandshakeRequest(buf: Buffer, offset = 0): Decoded<HandshakeRequest> {
  return decodeOrThrow<HandshakeRequest>(HANDSHAKE_REQUEST, buf, offset, 'handshake request');
}

export function decodeHandshakeResponse(buf: Buffer, offset = 0): Decoded<HandshakeResponse> {
  return decodeOrThrow<HandshakeResponse>(HANDSHAKE_RESPONSE, buf, offset, 'handshake response');
}

/**
 * Decodes one value of `type` at `offset`. Truncated or invalid bytes become a ProtocolError
 * naming what was being read, never a RangeError from deep inside the decoder.
 */
export function decodeOrThrow<T>(
  type: avro.Type,
  buf: Buffer,
  offset: number,
  what: string,
  resolver?: avro.Resolver,
  /** The type the peer wrote with, when a resolver reads it into `type`. */
  writer: avro.Type = type,
): Decoded<T> {
  const check = checkWellFormed(writer, buf, offset);
  if ('problem' in check) {
    throw new ProtocolError(
      check.truncated
        ? `Truncated ${what} (${buf.length - offset} bytes): ${check.problem}`
        : `Invalid ${what}: ${check.problem}`,
    );
  }
  let decoded: { value: unknown; offset: number };
  try {
    decoded = type.decode(buf, offset, resolver);
  } catch (err) {
    throw new ProtocolError(`Invalid ${what}: ${describe(err)}`, { cause: err });
  }
  if (decoded.offset < 0 || decoded.offset > buf.length) {
    throw new ProtocolError(`Truncated ${what} (${buf.length - offset} bytes)`);
  }
  return { value: decoded.value as T, offset: decoded.offset };
}
