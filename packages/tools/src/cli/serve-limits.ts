import { Option } from 'commander';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from '@flume-rpc/netty-compat';
import { boundOrInfinity, bytesOrInfinity } from './arguments.js';

/** The serve flags that bound what clients can make the server hold (AvroSourceServer's ServerLimits). */
export interface ServeLimitFlags {
  handshakeTimeout?: number;
  idleTimeout?: number;
  frameReadTimeout?: number;
  maxConnections?: number;
  maxBufferedBytes?: number;
  maxBatchEvents?: number;
}

const FLAGS: ReadonlyArray<{
  flag: string;
  key: keyof ServerLimits;
  name: keyof ServeLimitFlags;
  help: string;
  bytes?: true;
}> = [
  {
    flag: '--handshake-timeout <ms>',
    key: 'handshakeTimeoutMs',
    name: 'handshakeTimeout',
    help: 'close a connection that has not sent a valid Avro handshake this long after it was accepted',
  },
  {
    flag: '--idle-timeout <ms>',
    key: 'idleTimeoutMs',
    name: 'idleTimeout',
    help: 'close a connection that sent no frame for this long while none of its calls is being answered',
  },
  {
    flag: '--frame-read-timeout <ms>',
    key: 'frameReadTimeoutMs',
    name: 'frameReadTimeout',
    help: 'close a connection that started a frame and has not finished it this long after (a byte-a-second peer)',
  },
  {
    flag: '--max-connections <n>',
    key: 'maxConnections',
    name: 'maxConnections',
    help: 'connections open at once; more are closed as soon as accepted',
  },
  {
    flag: '--max-buffered-bytes <n>',
    key: 'maxBufferedBytes',
    name: 'maxBufferedBytes',
    bytes: true,
    help: 'bytes of unfinished frames all connections may hold (k, m, g suffixes); past it the connections holding the largest are closed',
  },
  {
    flag: '--max-batch-events <n>',
    key: 'maxBatchEvents',
    name: 'maxBatchEvents',
    help: 'events in one appendBatch; a larger one is answered with an error before any event is built, and the connection stays',
  },
];

function shown(value: number, bytes: boolean): string {
  if (bytes && value % (1024 * 1024) === 0) return `${value / (1024 * 1024)}m`;
  return String(value);
}

/** The commander options, with the defaults of DEFAULT_SERVER_LIMITS in their help. */
export function serveLimitOptions(): Option[] {
  return FLAGS.map(({ flag, key, help, bytes }) =>
    new Option(
      flag,
      `${help} (default: ${shown(DEFAULT_SERVER_LIMITS[key], bytes === true)}; "inf": no bound)`,
    ).argParser(bytes ? bytesOrInfinity : boundOrInfinity),
  );
}

/** The limits the flags set; a flag left out leaves its default. */
export function serveLimits(flags: ServeLimitFlags): Partial<ServerLimits> {
  const limits: Partial<ServerLimits> = {};
  for (const { key, name } of FLAGS) if (flags[name] !== undefined) limits[key] = flags[name];
  return limits;
}

/** The flags that differ from the defaults, for serve's start-up note. */
export function describeLimits(limits: Partial<ServerLimits>): string {
  return FLAGS.filter(({ key }) => limits[key] !== undefined)
    .map(({ flag, key }) => `${flag.split(' ')[0]} ${String(limits[key])}`)
    .join(', ');
}
