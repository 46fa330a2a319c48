/**
 * Reading Flume's HTTP monitoring document (`GET /metrics` of HTTPMetricsServer): a JSON object
 * keyed by component ("CHANNEL.c1", "SOURCE.r1", "SINK.k1"), each value an object whose values
 * are all strings (JMX attributes passed through toString()). Only the channels' fill levels
 * matter for health.
 */
import { FlumeRpcError } from '@flume-rpc/netty-compat';

/** The monitoring document is not shaped like Flume's /metrics answer; the message says where. */
export class MetricsFormatError extends FlumeRpcError {
  override readonly code = 'FLUME_RPC_METRICS_FORMAT';
}

const CHANNEL_PREFIX = 'CHANNEL.';

/**
 * Java's Double.toString output ("12.5", "0.0", "1.0E-4", "1.7976931348623157E308", "Infinity").
 * Number() alone would also take "", " ", "0x1f" and "1_0"-like surprises as numbers, so the shape
 * is checked first.
 */
const JAVA_DOUBLE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?Infinity$/;

/**
 * Channel name (without "CHANNEL.") → ChannelFillPercentage. A channel whose capacity is 0 (not
 * started) reports Double.MAX_VALUE, which parses to ~1.8e308: it counts as full, as it should.
 * A document without any CHANNEL.* entry gives an empty map (nothing to judge).
 * @throws MetricsFormatError when the document is not an object of objects, or a channel's
 *   ChannelFillPercentage is missing or not a number.
 */
export function readChannelFill(document: unknown): Map<string, number> {
  if (!isPlainObject(document)) throw new MetricsFormatError(`metrics document is ${kindOf(document)}, not an object`);
  const fill = new Map<string, number>();
  for (const [component, attributes] of Object.entries(document)) {
    if (!isPlainObject(attributes)) {
      throw new MetricsFormatError(
        `metrics entry ${JSON.stringify(component)} is ${kindOf(attributes)}, not an object`,
      );
    }
    if (!component.startsWith(CHANNEL_PREFIX)) continue;
    fill.set(component.slice(CHANNEL_PREFIX.length), fillPercentage(component, attributes));
  }
  return fill;
}

function fillPercentage(component: string, attributes: Record<string, unknown>): number {
  const value = attributes['ChannelFillPercentage'];
  if (value === undefined) throw new MetricsFormatError(`${component} has no ChannelFillPercentage`);
  // Flume sends strings; a number is accepted too, for proxies or exporters that convert them.
  const percent = typeof value === 'string' && JAVA_DOUBLE.test(value) ? Number(value) : value;
  if (typeof percent !== 'number' || Number.isNaN(percent)) {
    throw new MetricsFormatError(`${component} ChannelFillPercentage ${JSON.stringify(value)} is not a number`);
  }
  return percent;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
