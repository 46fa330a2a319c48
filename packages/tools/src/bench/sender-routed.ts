import { FailoverRpcClient, type HostAddress, LoadBalancingRpcClient } from '@flume-rpc/rpc-client';
import type { Sender } from './closed-loop.js';
import { benchConnectionOptions, rpcClientSender } from './sender-client.js';
import type { Workload } from './workload.js';

/**
 * The multi-host clients with every host up, to measure what their routing costs over the single
 * client they wrap. Both hosts are the one server child's port: two aliases give two host clients
 * (two connections) in front of one server, so the server is the same as for the other senders.
 */
function twoHosts(port: number): HostAddress[] {
  return [
    { alias: 'h1', host: '127.0.0.1', port },
    { alias: 'h2', host: '127.0.0.1', port },
  ];
}

/** FailoverRpcClient: every call goes to h1, the highest-priority host; h2 stands by. */
export function openFailoverSender(port: number, workload: Workload): Promise<Sender> {
  const client = new FailoverRpcClient({ hosts: twoHosts(port), options: benchConnectionOptions(workload) });
  return rpcClientSender(client, workload);
}

/** LoadBalancingRpcClient (round robin, Flume's default): calls alternate between h1 and h2. */
export function openLoadBalancingSender(port: number, workload: Workload): Promise<Sender> {
  const client = new LoadBalancingRpcClient({ hosts: twoHosts(port), options: benchConnectionOptions(workload) });
  return rpcClientSender(client, workload);
}
