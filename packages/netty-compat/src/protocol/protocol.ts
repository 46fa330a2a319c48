import { createHash } from 'node:crypto';
import avro from 'avsc';
import { ProtocolError, describe } from '../errors.js';
import { FLUME_PROTOCOL_TEXT } from './flume-protocol-text.js';

/** One message of a protocol, with its types compiled once. */
export interface MessageTypes {
  readonly name: string;
  /** A record whose fields are the message's request parameters. */
  readonly request: avro.Type;
  readonly response: avro.Type;
  /** The error union: system error string first, then declared errors. */
  readonly errors: avro.Type;
  readonly oneWay: boolean;
}

/** A parsed Avro protocol: its exact text, the MD5 of that text, and its messages. */
export interface Protocol {
  readonly name: string;
  readonly text: string;
  readonly hash: Buffer;
  readonly messages: ReadonlyMap<string, MessageTypes>;
}

interface ProtocolSchema {
  protocol?: unknown;
  namespace?: unknown;
  types?: unknown;
  messages?: unknown;
}

interface MessageSchema {
  request?: unknown;
  response?: unknown;
  errors?: unknown;
  'one-way'?: unknown;
}

export function md5(text: string): Buffer {
  return createHash('md5').update(text, 'utf8').digest();
}

/**
 * Parses protocol text into compiled message types. The hash is the MD5 of the text as given:
 * that is what peers compare, so the text must be kept byte for byte.
 */
export function parseProtocol(text: string): Protocol {
  let schema: ProtocolSchema;
  try {
    schema = JSON.parse(text) as ProtocolSchema;
  } catch (err) {
    throw new ProtocolError(`Protocol text is not JSON: ${describe(err)}`, { cause: err });
  }
  if (typeof schema !== 'object' || schema === null || typeof schema.protocol !== 'string') {
    throw new ProtocolError('Protocol text has no "protocol" name');
  }
  const namespace = typeof schema.namespace === 'string' ? schema.namespace : undefined;
  const registry: Record<string, avro.Type> = {};
  const opts = { registry, namespace } as avro.ForSchemaOptions;
  try {
    for (const type of Array.isArray(schema.types) ? schema.types : []) {
      avro.Type.forSchema(type as avro.Schema, opts);
    }
    const messages = new Map<string, MessageTypes>();
    const messageSchemas = (schema.messages ?? {}) as Record<string, MessageSchema>;
    for (const [name, message] of Object.entries(messageSchemas)) {
      messages.set(name, compileMessage(name, message, opts));
    }
    return { name: schema.protocol, text, hash: md5(text), messages };
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw new ProtocolError(`Protocol ${schema.protocol} is not valid Avro: ${describe(err)}`, { cause: err });
  }
}

function compileMessage(name: string, message: MessageSchema, opts: avro.ForSchemaOptions): MessageTypes {
  if (!Array.isArray(message.request)) {
    throw new ProtocolError(`Message ${name} has no request parameter list`);
  }
  const request = avro.Type.forSchema({ type: 'record', name: `${name}Request`, fields: message.request }, opts);
  const response = avro.Type.forSchema((message.response ?? 'null') as avro.Schema, opts);
  const declared = Array.isArray(message.errors) ? (message.errors as avro.Schema[]) : [];
  const errors = avro.Type.forSchema(['string', ...declared] as avro.Schema, opts);
  return { name, request, response, errors, oneWay: message['one-way'] === true };
}

/** The local AvroSourceProtocol, compiled once per process. */
export const FLUME_PROTOCOL: Protocol = parseProtocol(FLUME_PROTOCOL_TEXT);

export const STATUSES = ['OK', 'FAILED', 'UNKNOWN'] as const;
export type Status = (typeof STATUSES)[number];

/** An event as the AvroFlumeEvent record carries it. */
export interface AvroFlumeEvent {
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Reads values a peer wrote with its own protocol's types into our local types, by Avro's
 * schema resolution. Built once per (local, remote) message pair and cached by the caller.
 */
export interface MessageResolvers {
  /** The peer's own types for the message, which its bytes follow. */
  readonly writer?: MessageTypes;
  readonly request?: avro.Resolver;
  readonly response?: avro.Resolver;
  readonly errors?: avro.Resolver;
}

/**
 * Resolvers for a remote protocol's message against our local one; absent fields mean the
 * schemas are identical and values decode directly.
 */
export function resolveMessage(local: MessageTypes, remote: MessageTypes): MessageResolvers {
  const resolve = (reader: avro.Type, writer: avro.Type): avro.Resolver | undefined => {
    if (reader.equals(writer)) return undefined;
    try {
      return reader.createResolver(writer);
    } catch (err) {
      throw new ProtocolError(`Message ${local.name}: remote schema is incompatible: ${describe(err)}`, {
        cause: err,
      });
    }
  };
  return {
    writer: remote,
    request: resolve(local.request, remote.request),
    response: resolve(local.response, remote.response),
    errors: resolve(local.errors, remote.errors),
  };
}
