import { type MessageResolvers, type Protocol, parseProtocol, resolveMessage } from './protocol.js';
import { ProtocolError } from '../errors.js';

/**
 * A peer's protocol as seen from our local one: the resolvers that read its values into our
 * types, built once per message on first use.
 */
export class RemoteProtocol {
  private readonly resolvers = new Map<string, MessageResolvers>();

  constructor(
    readonly local: Protocol,
    readonly remote: Protocol,
  ) {}

  get identical(): boolean {
    return this.local.hash.equals(this.remote.hash);
  }

  /** Resolvers for `messageName`, or a ProtocolError when either side lacks the message. */
  resolversFor(messageName: string): MessageResolvers {
    let resolvers = this.resolvers.get(messageName);
    if (resolvers === undefined) {
      const local = this.local.messages.get(messageName);
      const remote = this.remote.messages.get(messageName);
      if (!local || !remote) {
        throw new ProtocolError(
          `Message ${messageName} is not in ${!local ? `local protocol ${this.local.name}` : `remote protocol ${this.remote.name}`}`,
        );
      }
      resolvers = this.identical ? {} : resolveMessage(local, remote);
      this.resolvers.set(messageName, resolvers);
    }
    return resolvers;
  }
}

/**
 * Protocols learned from peers, keyed by the hex MD5 of their text, and (on the client side) the
 * hash last seen at each server address. Shared by every connection of a client or a server, as
 * Avro Java's REMOTE_HASHES / REMOTE_PROTOCOLS and Responder protocol map are, and bounded so a
 * peer cannot grow it without limit.
 */
export class ProtocolCache {
  private readonly byHash = new Map<string, RemoteProtocol>();
  private readonly hashByAddress = new Map<string, Buffer>();

  constructor(
    readonly local: Protocol,
    private readonly maxEntries = 64,
  ) {
    this.byHash.set(local.hash.toString('hex'), new RemoteProtocol(local, local));
  }

  get(hash: Buffer): RemoteProtocol | undefined {
    return this.byHash.get(hash.toString('hex'));
  }

  /** Parses and stores a peer's protocol text under `hash` (the MD5 the peer announced for it). */
  learn(hash: Buffer, text: string): RemoteProtocol {
    const key = hash.toString('hex');
    const known = this.byHash.get(key);
    if (known) return known;
    const parsed = parseProtocol(text);
    const remote = new RemoteProtocol(this.local, { ...parsed, hash: Buffer.from(hash) });
    if (this.byHash.size >= this.maxEntries) {
      const oldest = [...this.byHash.keys()].find((k) => k !== this.local.hash.toString('hex'));
      if (oldest !== undefined) this.byHash.delete(oldest);
    }
    this.byHash.set(key, remote);
    return remote;
  }

  /** The hash a server at `address` announced last; our own when we have not met it yet. */
  serverHashFor(address: string): Buffer {
    return this.hashByAddress.get(address) ?? this.local.hash;
  }

  rememberServer(address: string, hash: Buffer): void {
    if (this.hashByAddress.size >= this.maxEntries && !this.hashByAddress.has(address)) {
      const oldest = this.hashByAddress.keys().next().value;
      if (oldest !== undefined) this.hashByAddress.delete(oldest);
    }
    this.hashByAddress.set(address, Buffer.from(hash));
  }
}
