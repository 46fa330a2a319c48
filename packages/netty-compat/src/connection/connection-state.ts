/**
 * The states of one client connection. A connection is used once: `closed` is final, and
 * reconnecting means a new connection (that is the policy layer's decision, not the wire's).
 *
 *   connecting --tcp connected--> handshaking --match BOTH/CLIENT--> ready
 *        |                            |                                |
 *        +------- error/timeout ------+---------- error/close ---------+--> closed
 */
export type ConnectionState = 'connecting' | 'handshaking' | 'ready' | 'closed';

const ALLOWED: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  connecting: ['handshaking', 'closed'],
  handshaking: ['ready', 'closed'],
  ready: ['closed'],
  closed: [],
};

export function canTransition(from: ConnectionState, to: ConnectionState): boolean {
  return ALLOWED[from].includes(to);
}

export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
