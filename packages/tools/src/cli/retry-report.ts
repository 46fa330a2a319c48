import { formatAddress } from '@flume-rpc/netty-compat';
import { AllHostsFailedError, FailoverRpcClient, LoadBalancingRpcClient, NettyAvroRpcClient, type RpcClient } from '@flume-rpc/rpc-client';
import { formatSeconds, oneLine } from './format.js';

/**
 * Says what the client is doing while it retries: one stderr line per failed attempt, with its
 * cause and what comes next, from the client's own events ('retry' of a single-host client,
 * 'hostFailure' of a failover or load-balancing one). Nothing here decides anything.
 */
export interface RetryReport {
  /** The final error's message, prefixed with the attempts made and the time they took when it came after attempts. */
  explain(error: unknown, message: string): string;
}

export function reportRetries(client: RpcClient, err: (line: string) => void): RetryReport {
  if (client instanceof NettyAvroRpcClient) return singleHost(client, err);
  if (client instanceof FailoverRpcClient || client instanceof LoadBalancingRpcClient) return multiHost(client, err);
  return { explain: (_error, message) => message };
}

/** Attempts come in rounds: 'connecting' starts one, 'ready' or 'transient_failure' ends it. */
function singleHost(client: NettyAvroRpcClient, err: (line: string) => void): RetryReport {
  const total = client.options.maxRetries + 1;
  let round: { startedAt: number; attempts: number } | null = null;
  let failedRound: { attempts: number; ms: number } | null = null;
  client.on('state', (next) => {
    if (next === 'connecting' && round === null) round = { startedAt: Date.now(), attempts: 1 };
    if (next === 'ready') {
      round = null;
      failedRound = null;
    }
    if (next === 'transient_failure' && round !== null) {
      failedRound = { attempts: round.attempts, ms: Date.now() - round.startedAt };
      round = null;
    }
  });
  client.on('retry', ({ attempt, delayMs, cause }) => {
    if (round !== null) round.attempts = attempt + 1;
    err(`connection attempt ${attempt} of ${total} to ${client.address} failed: ${oneLine(cause.message)}; next attempt in ${delayMs} ms`);
  });
  return {
    explain: (_error, message) => {
      if (failedRound === null || client.state !== 'transient_failure') return message;
      const { attempts, ms } = failedRound;
      return `gave up after ${attempts} connection attempt${attempts === 1 ? '' : 's'} in ${formatSeconds(ms)} s: ${message}`;
    },
  };
}

/** One line per failed attempt on a host; the final error counts the attempts of the call that gave up. */
function multiHost(client: FailoverRpcClient | LoadBalancingRpcClient, err: (line: string) => void): RetryReport {
  // When each recent failure happened, to time the attempts of the call that failed last.
  const failures: number[] = [];
  (client as LoadBalancingRpcClient).on('hostFailure', (host, error, until) => {
    const now = Date.now();
    failures.push(now);
    if (failures.length > 1000) failures.shift();
    const penalty = until !== null && until > now ? `; ${host.alias} is left out for ${formatSeconds(until - now)} s` : '';
    err(`attempt on ${host.alias} (${formatAddress(host.host, host.port)}) failed: ${oneLine(error.message)}${penalty}`);
  });
  return {
    explain: (error, message) => {
      if (!(error instanceof AllHostsFailedError)) return message;
      const attempts = error.causes.length;
      const first = failures.at(-attempts);
      if (attempts === 0 || first === undefined) return message;
      return `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} in ${formatSeconds(Date.now() - first)} s: ${message}`;
    },
  };
}
