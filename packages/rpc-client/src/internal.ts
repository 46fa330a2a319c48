/**
 * NOT PUBLIC, NOT STABLE: the internals this repository's tests reach (package subpath
 * `@flume-rpc/rpc-client/internal`). Anything here may change or go away in any release without
 * notice; applications and @flume-rpc/tools use the public entry only (index.ts; docs/api.md).
 * Add a name here only for a test that needs it.
 */
export { defaultConnectionOptions } from './config/config.js';
export { parsePropertiesText } from './config/properties.js';
export { Backoff, type BackoffOptions } from './client/backoff.js';
export { HostPenalty, type PenaltyPolicy } from './routing/host-penalty.js';
export { RandomSelector, RoundRobinSelector } from './routing/host-selector.js';
export { HealthMonitor, type HealthMonitorOptions, type HealthReading } from './health/health-monitor.js';
export { MetricsFormatError, readChannelFill } from './health/metrics-reading.js';
export { MetricsRequestError } from './health/metrics-fetcher.js';
export { judgeChannels } from './health/health-verdict.js';
export {
  contentType,
  encodeJsonBatch,
  parseHttpCharset,
  type HttpCharset,
  type JsonBatchEvent,
} from './http/json-batch.js';
export { serverMessage, SERVER_MESSAGE_MAX_CHARS } from './http/server-message.js';
