import { formatAddress } from '@flume-rpc/netty-compat';
import {
  AllHostsFailedError,
  type ConnectivityState,
  FailoverRpcClient,
  LoadBalancingRpcClient,
  type RpcClient,
} from '@flume-rpc/rpc-client';
import { formatSeconds, oneLine } from './format.js';

/**
 * Says what the client is doing while it retries: one stderr line per failed attempt, with its
 * cause and what comes next, from the client's own events: 'retry' and 'state', which every
 * client emits for each of its hosts, and 'hostFailure' of a failover or load-balancing client.
 * Nothing here decides anything.
 */
export interface RetryReport {
  /** The final error's message, prefixed with the attempts made and the time they took when it came after attempts. */
  explain(error: unknown, message: string): string;
}

export function reportRetries(client: RpcClient, err: (line: string) => void): RetryReport {
  const connections = connectionRounds(client, err);
  const hosts =
    client instanceof FailoverRpcClient || client instanceof LoadBalancingRpcClient ? hostAttempts(client, err) : null;
  return {
    explain: (error, message) => {
      if (hosts && error instanceof AllHostsFailedError) return hosts.explain(error, message);
      return connections.explain(error, message);
    },
  };
}

/**
 * Connection attempts come in rounds, per host: 'connecting' starts one, 'ready' or
 * 'transient_failure' ends it. A call that failed with its host's round is explained by it.
 */
function connectionRounds(client: RpcClient, err: (line: string) => void): RetryReport {
  const rounds = new Map<string, { startedAt: number; attempts: number }>();
  const states = new Map<string, ConnectivityState>();
  let failedRound: { address: string; attempts: number; ms: number } | null = null;
  client.on('state', (next, _previous, address) => {
    states.set(address, next);
    const round = rounds.get(address);
    if (next === 'connecting' && round === undefined) rounds.set(address, { startedAt: Date.now(), attempts: 1 });
    if (next === 'ready') {
      rounds.delete(address);
      if (failedRound?.address === address) failedRound = null;
    }
    if (next === 'transient_failure' && round !== undefined) {
      failedRound = { address, attempts: round.attempts, ms: Date.now() - round.startedAt };
      rounds.delete(address);
    }
  });
  client.on('retry', ({ attempt, attempts, delayMs, cause }, address) => {
    const round = rounds.get(address);
    if (round !== undefined) round.attempts = attempt + 1;
    err(
      `connection attempt ${attempt} of ${attempts} to ${address} failed: ${oneLine(cause.message)}; next attempt in ${delayMs} ms`,
    );
  });
  return {
    explain: (_error, message) => {
      if (failedRound === null || states.get(failedRound.address) !== 'transient_failure') return message;
      const { attempts, ms } = failedRound;
      return `gave up after ${attempts} connection attempt${attempts === 1 ? '' : 's'} in ${formatSeconds(ms)} s: ${message}`;
    },
  };
}

/** One line per failed attempt on a host; the final error counts the attempts of the call that gave up. */
function hostAttempts(
  client: FailoverRpcClient | LoadBalancingRpcClient,
  err: (line: string) => void,
): { explain(error: AllHostsFailedError, message: string): string } {
  // When each recent failure happened, to time the attempts of the call that failed last.
  const failures: number[] = [];
  (client as LoadBalancingRpcClient).on('hostFailure', (host, error, until) => {
    const now = Date.now();
    failures.push(now);
    if (failures.length > 1000) failures.shift();
    const penalty =
      until !== null && until > now ? `; ${host.alias} is left out for ${formatSeconds(until - now)} s` : '';
    err(
      `attempt on ${host.alias} (${formatAddress(host.host, host.port)}) failed: ${oneLine(error.message)}${penalty}`,
    );
  });
  return {
    explain: (error, message) => {
      const attempts = error.causes.length;
      const first = failures.at(-attempts);
      if (attempts === 0 || first === undefined) return message;
      return `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} in ${formatSeconds(Date.now() - first)} s: ${message}`;
    },
  };
}
