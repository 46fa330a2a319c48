import { HandshakeError } from '../errors.js';
import type { HandshakeRequest, HandshakeResponse } from './handshake.js';
import type { ProtocolCache, RemoteProtocol } from './protocol-cache.js';

/**
 * The client's half of the handshake on one connection. The first request guesses the server's
 * hash (the cached one for this address, else our own) and omits our text; match NONE means the
 * server needs our text, so the request is resent with it; BOTH or CLIENT completes it.
 */
export class ClientHandshake {
  private sendText = false;
  private attempts = 0;
  private remote: RemoteProtocol | null = null;

  constructor(
    private readonly cache: ProtocolCache,
    private readonly address: string,
    /** Attempts before giving up: the first, and one more with our protocol text. */
    private readonly maxAttempts = 2,
  ) {}

  /** The protocol the server speaks, once the handshake completed. */
  get remoteProtocol(): RemoteProtocol | null {
    return this.remote;
  }

  nextRequest(): HandshakeRequest {
    this.attempts += 1;
    const local = this.cache.local;
    return {
      clientHash: local.hash,
      clientProtocol: this.sendText ? local.text : null,
      serverHash: this.cache.serverHashFor(this.address),
      meta: {},
    };
  }

  /** Applies the server's answer: true when the handshake is complete, false when it must be resent. */
  accept(response: HandshakeResponse): boolean {
    if (response.match !== 'BOTH') this.learnServer(response);
    switch (response.match) {
      case 'BOTH': {
        const hash = this.cache.serverHashFor(this.address);
        this.remote = this.cache.get(hash) ?? null;
        if (!this.remote) throw new HandshakeError(`Server ${this.address} matched a protocol hash we do not know`);
        return true;
      }
      case 'CLIENT':
        return true;
      case 'NONE':
        if (this.attempts >= this.maxAttempts) {
          throw new HandshakeError(
            `Server ${this.address} rejected our protocol ${this.cache.local.name} after ${this.attempts} handshake attempts`,
          );
        }
        this.sendText = true;
        this.remote = null;
        return false;
      default:
        throw new HandshakeError(`Server ${this.address} answered the handshake with match ${String(response.match)}`);
    }
  }

  private learnServer(response: HandshakeResponse): void {
    if (response.serverHash === null || response.serverProtocol === null) {
      throw new HandshakeError(`Server ${this.address} answered match ${response.match} without its protocol and hash`);
    }
    this.remote = this.cache.learn(response.serverHash, response.serverProtocol);
    this.cache.rememberServer(this.address, response.serverHash);
  }
}

/** The server's answer to a handshake request, and the client protocol when it is now known. */
export interface ServerHandshakeResult {
  response: HandshakeResponse;
  remote: RemoteProtocol | null;
}

/**
 * The server's half, as Avro Java's Responder does it: it knows the client's protocol by hash or
 * from the text the client sent; match is BOTH when the client also guessed our hash, CLIENT when
 * it did not, NONE when we do not know the client's protocol (the client then resends its text).
 */
export function answerHandshake(cache: ProtocolCache, request: HandshakeRequest): ServerHandshakeResult {
  let remote = cache.get(request.clientHash) ?? null;
  if (remote === null && request.clientProtocol !== null) {
    remote = cache.learn(request.clientHash, request.clientProtocol);
  }
  const serverHashMatches = cache.local.hash.equals(request.serverHash);
  const match = remote === null ? 'NONE' : serverHashMatches ? 'BOTH' : 'CLIENT';
  const response: HandshakeResponse =
    match === 'BOTH'
      ? { match, serverProtocol: null, serverHash: null, meta: null }
      : { match, serverProtocol: cache.local.text, serverHash: cache.local.hash, meta: null };
  return { response, remote };
}
