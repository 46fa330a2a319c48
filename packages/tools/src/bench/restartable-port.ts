import { readFileSync } from 'node:fs';

/**
 * A server that is closed and listens again on its port (a killed agent coming back) must not get
 * that port from the kernel's ephemeral range: while it is down, any outgoing connection on the
 * machine may be given the port as its local end, and the restart then fails with EADDRINUSE.
 * Ports just below the range are never handed out that way.
 */
const PORTS_BELOW_RANGE = 8192;
/** Tries before giving up: a random port below the range is taken only by another explicit listener. */
const ATTEMPTS = 64;
/** IANA's dynamic range starts here; the fallback where the kernel's own range cannot be read. */
const IANA_EPHEMERAL_LOW = 49152;
const LOWEST_UNPRIVILEGED = 1024;

/** The first port of the range the kernel picks outgoing connections' local ports from. */
export function ephemeralRangeStart(procFile = '/proc/sys/net/ipv4/ip_local_port_range'): number {
  try {
    const low = Number.parseInt(readFileSync(procFile, 'utf8').trim().split(/\s+/)[0] ?? '', 10);
    return Number.isInteger(low) && low > LOWEST_UNPRIVILEGED ? low : IANA_EPHEMERAL_LOW;
  } catch {
    return IANA_EPHEMERAL_LOW;
  }
}

/**
 * Listens (through `listen`, which binds one port) on a random free port below the ephemeral range,
 * so the same port can be listened on again after a close. Falls back to port 0 when the range
 * leaves no room below it.
 */
export async function listenRestartable(listen: (port: number) => Promise<number>): Promise<number> {
  const high = ephemeralRangeStart();
  const low = Math.max(LOWEST_UNPRIVILEGED, high - PORTS_BELOW_RANGE);
  if (high - low < PORTS_BELOW_RANGE / 8) return listen(0);
  let lastError: unknown;
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    const port = low + Math.floor(Math.random() * (high - low));
    try {
      return await listen(port);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      lastError = err;
    }
  }
  throw lastError;
}
