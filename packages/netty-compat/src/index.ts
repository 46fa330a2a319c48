export * from './errors.js';
export * from './limits.js';
export { type Frame, FrameDecoder, encodeFrame, frameBody } from './frame-codec.js';
export { type EncodedParams, encodeEvent, encodeEventArray, encodeEventArrayAfter } from './event-encoder.js';
export { countEvent, countEventArray, decodeEvent, decodeEventArray } from './event-decoder.js';
export { FLUME_PROTOCOL_TEXT, FLUME_PROTOCOL_MD5 } from './flume-protocol-text.js';
export {
  type AvroFlumeEvent,
  type MessageTypes,
  type Protocol,
  type Status,
  FLUME_PROTOCOL,
  STATUSES,
  md5,
  parseProtocol,
} from './protocol.js';
export {
  type HandshakeMatch,
  type HandshakeRequest,
  type HandshakeResponse,
  decodeHandshakeRequest,
  decodeHandshakeResponse,
  encodeHandshakeRequest,
  encodeHandshakeResponse,
} from './handshake.js';
export {
  type DecodedRequestFrame,
  PING_MESSAGE,
  decodeRequestFrame,
  decodeRequestHead,
  decodeResponseHead,
  decodeValue,
  encodeRequest,
  encodeResponse,
} from './call.js';
export { frameRequestInPlace, requestHeadroom } from './request-frame.js';
export { ClientHandshake, answerHandshake } from './handshake-negotiation.js';
export { ProtocolCache, RemoteProtocol } from './protocol-cache.js';
export { type ConnectionState, formatAddress } from './connection-state.js';
export { type CallOptions, type TransceiverOptions, type TransceiverEvents, Transceiver, defaultProtocolCache } from './transceiver.js';
export { type FaultPlan, noFaults } from './faults.js';
export { type ClientWireOptions, type ServerWireOptions, type LayerOrder, PLAIN_CLIENT_WIRE, describeWire } from './transport/wire-options.js';
export { ZlibLayer } from './transport/zlib-layer.js';
export { type StoreType, STORE_TYPES, StoreReadError, parseStoreType, readTrustedCertificates, readServerCredentials } from './transport/keystore.js';
export { TlsNameError, cipherList, protocolRange } from './transport/tls-names.js';
export { type ServerCall } from './server-connection.js';
export {
  type AvroSourceHandlers,
  type AvroSourceServerOptions,
  type ServerStats,
  AvroSourceServer,
} from './server.js';
export { type ServerLimits, DEFAULT_SERVER_LIMITS, resolveServerLimits } from './server-limits.js';
export { type ServerTimeout, BatchLimitError, ServerOverloadError, ServerTimeoutError } from './server-errors.js';
