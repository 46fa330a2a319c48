import { type HostAddress, validateHost } from './config.js';
import { ConfigurationError } from '../errors.js';

type WarningSink = (message: string) => void;

/** `<agent>.sinks.<name>.<key>`, as an agent's configuration file writes a sink's keys. */
const SINK_KEY = /^([^.\s]+)\.sinks\.([^.\s]+)\.(.+)$/;
/** Other lines of an agent's file: `<agent>.sources ...`, `<agent>.sinks = k1`, ... */
const AGENT_KEY = /^[^.\s]+\.(sources|channels|sinks|sinkgroups|configfilters)(\.|$)/;

/** The keys of an Avro sink's section that are not client properties: read here, then gone. */
export const SINK_ONLY_KEYS: readonly string[] = ['type', 'channel', 'hostname', 'port'];

/** What `type` may be in an Avro sink's section (Flume takes the alias or the class name). */
const AVRO_SINK_TYPES = new Set(['avro', 'org.apache.flume.sink.avrosink']);

/**
 * Turns an Avro sink's section, as copied from an agent's configuration, into client properties:
 * the `<agent>.sinks.<name>.` prefix goes, and `hostname` + `port` become the single host `h1`,
 * as Flume's AbstractRpcSink builds its client. Properties that are not a sink's section pass
 * through unchanged. Anything ambiguous is an error that says which keys to use instead.
 */
export function fromSinkSection(props: Record<string, string>, warn: WarningSink): Record<string, string> {
  const section = stripSinkPrefix(props);
  if (!('hostname' in section || 'port' in section || 'type' in section || 'channel' in section)) return section;
  const { type, channel, hostname, port, ...rest } = section;
  if (type !== undefined && !AVRO_SINK_TYPES.has(type.trim().toLowerCase())) {
    throw new ConfigurationError(
      'type',
      type,
      'names a sink this SDK cannot stand in for: only an Avro sink (type = avro) speaks Avro RPC',
    );
  }
  if (channel !== undefined)
    warn(`channel (${channel.trim()}) is the sink's channel; a client reads from no channel, so it is not used`);
  if (hostname === undefined && port === undefined) return rest;
  if ('hosts' in rest) {
    throw new ConfigurationError(
      'hostname',
      hostname ?? null,
      "and hosts are both set: use hostname + port (an Avro sink's keys) for one agent, or hosts = h1 h2 with hosts.<alias> = host:port, not both",
    );
  }
  const host = sinkHost(hostname, port);
  const address = host.host.includes(':') ? `[${host.host}]:${host.port}` : `${host.host}:${host.port}`;
  return { ...rest, hosts: host.alias, [`hosts.${host.alias}`]: address };
}

function sinkHost(hostname: string | undefined, port: string | undefined): HostAddress {
  if (hostname === undefined || hostname.trim() === '')
    throw new ConfigurationError(
      'hostname',
      hostname ?? null,
      "is missing: an Avro sink's port needs its hostname (or use hosts.<alias> = host:port)",
    );
  if (port === undefined)
    throw new ConfigurationError(
      'port',
      null,
      "is missing: an Avro sink's hostname needs its port (or use hosts.<alias> = host:port)",
    );
  const number = /^\s*\d+\s*$/.test(port) ? Number(port) : Number.NaN;
  if (!Number.isInteger(number) || number < 1 || number > 65_535)
    throw new ConfigurationError('port', port, 'must be a port number from 1 to 65535');
  // The alias Flume's AbstractRpcSink gives its one host.
  return validateHost({ alias: 'h1', host: hostname.trim().replace(/^\[(.*)\]$/, '$1'), port: number });
}

/** Drops the `<agent>.sinks.<name>.` prefix when the keys carry one; refuses other agent lines. */
function stripSinkPrefix(props: Record<string, string>): Record<string, string> {
  const prefixes = new Set<string>();
  for (const key of Object.keys(props)) {
    const match = SINK_KEY.exec(key);
    if (match) prefixes.add(`${match[1]}.sinks.${match[2]}.`);
  }
  if (prefixes.size === 0) return props;
  if (prefixes.size > 1) {
    const names = [...prefixes].map((p) => p.slice(0, -1)).join(', ');
    throw new ConfigurationError(
      'properties',
      names,
      'hold the sections of several sinks: keep the lines of one sink, or list its agents as hosts = h1 h2 with hosts.<alias> = host:port',
    );
  }
  const prefix = [...prefixes][0]!;
  const section: Record<string, string> = {};
  for (const [key, value] of Object.entries(props)) {
    if (key.startsWith(prefix)) {
      const name = key.slice(prefix.length);
      if (name in props) throw new ConfigurationError(name, value, `is set both as ${key} and as ${name}: keep one`);
      section[name] = value;
    } else if (AGENT_KEY.test(key)) {
      throw new ConfigurationError(
        key,
        value,
        `is agent configuration, not part of the sink's section: keep only the lines that start with ${prefix}`,
      );
    } else {
      section[key] = value;
    }
  }
  return section;
}
