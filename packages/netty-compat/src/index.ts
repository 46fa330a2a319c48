export * from './errors.js';
export * from './codec/limits.js';
export { type Frame, FrameDecoder, encodeFrame, frameBody } from './codec/frame-codec.js';
export { type EncodedParams, encodeEvent, encodeEventArray, encodeEventArrayAfter } from './codec/event-encoder.js';
export { EventBatch, type OutgoingEvent, isPlainObject } from './codec/event-batch.js';
export { countEvent, countEventArray, decodeEvent, decodeEventArray } from './codec/event-decoder.js';
export { FLUME_PROTOCOL_TEXT, FLUME_PROTOCOL_MD5 } from './protocol/flume-protocol-text.js';
export {
  type AvroFlumeEvent,
  type MessageTypes,
  type Protocol,
  type Status,
  FLUME_PROTOCOL,
  STATUSES,
  md5,
  parseProtocol,
} from './protocol/protocol.js';
export {
  type HandshakeMatch,
  type HandshakeRequest,
  type HandshakeResponse,
  decodeHandshakeRequest,
  decodeHandshakeResponse,
  encodeHandshakeRequest,
  encodeHandshakeResponse,
} from './protocol/handshake.js';
export {
  type DecodedRequestFrame,
  PING_MESSAGE,
  decodeRequestFrame,
  decodeRequestHead,
  decodeResponseHead,
  decodeValue,
  encodeRequest,
  encodeResponse,
} from './codec/call.js';
export { frameRequestInPlace, requestHeadroom } from './codec/request-frame.js';
export { ClientHandshake, answerHandshake } from './protocol/handshake-negotiation.js';
export { ProtocolCache, RemoteProtocol } from './protocol/protocol-cache.js';
export { type ConnectionState, formatAddress } from './connection/connection-state.js';
export { type CallOptions } from './connection/pending-calls.js';
export { type ConnectionHealth } from './connection/connection-health.js';
export { type TransceiverOptions, type TransceiverEvents, Transceiver } from './connection/transceiver.js';
export { defaultProtocolCache } from './protocol/default-protocol-cache.js';
export { type FaultPlan, noFaults } from './server/faults.js';
export {
  type ClientWireOptions,
  type ServerWireOptions,
  type LayerOrder,
  PLAIN_CLIENT_WIRE,
  describeWire,
} from './transport/wire-options.js';
export { ZlibLayer } from './transport/zlib-layer.js';
export {
  type StoreType,
  STORE_TYPES,
  StoreReadError,
  parseStoreType,
  readTrustedCertificates,
  readServerCredentials,
} from './transport/keystore.js';
export { TlsNameError, cipherList, protocolRange } from './transport/tls-names.js';
export { classifyTlsFailure } from './transport/link-errors.js';
export { type ServerCall } from './server/server-connection.js';
export {
  type AvroSourceHandlers,
  type AvroSourceServerOptions,
  type ServerStats,
  AvroSourceServer,
  zeroServerStats,
} from './server/server.js';
export { type ServerLimits, DEFAULT_SERVER_LIMITS, resolveServerLimits } from './server/server-limits.js';
export {
  type ServerTimeout,
  BatchLimitError,
  ServerOverloadError,
  ServerTimeoutError,
} from './server/server-errors.js';
