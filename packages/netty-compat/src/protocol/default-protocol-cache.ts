import { FLUME_PROTOCOL } from './protocol.js';
import { ProtocolCache } from './protocol-cache.js';

let sharedCache: ProtocolCache | null = null;

/** One cache per process, like Avro Java's static REMOTE_HASHES: a server's hash is learnt once. */
export function defaultProtocolCache(): ProtocolCache {
  sharedCache ??= new ProtocolCache(FLUME_PROTOCOL);
  return sharedCache;
}
