import { type FlumeRpcError, RemoteError } from '../errors.js';
import { type DecodedResponseHead, decodeValue } from '../codec/call.js';
import type { MessageTypes } from '../protocol/protocol.js';
import type { RemoteProtocol } from '../protocol/protocol-cache.js';

/** How a call ends: the server's value, or the error that rejects it. */
export type CallOutcome = FlumeRpcError | { value: unknown };

/**
 * Decodes a call's response after its head: the response value, or the declared error as a
 * RemoteError, with the remote protocol's types resolved into ours.
 */
export function readResponse(
  remote: RemoteProtocol,
  messageName: string,
  message: MessageTypes,
  body: Buffer,
  head: DecodedResponseHead,
): CallOutcome {
  const resolvers = remote.resolversFor(messageName);
  if (head.isError) {
    const error = decodeValue<unknown>(
      message.errors,
      body,
      head.valueOffset,
      `${messageName} error`,
      resolvers.errors,
      resolvers.writer?.errors,
    );
    return new RemoteError(messageName, typeof error === 'string' ? error : JSON.stringify(error));
  }
  return {
    value: decodeValue(
      message.response,
      body,
      head.valueOffset,
      `${messageName} response`,
      resolvers.response,
      resolvers.writer?.response,
    ),
  };
}
