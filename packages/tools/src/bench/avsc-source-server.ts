import net from 'node:net';
import avro from 'avsc';
import { FLUME_PROTOCOL_TEXT, type ServerStats, zeroServerStats } from '@flume-rpc/netty-compat';

/** What avsc hands an appendBatch handler (only the event count is read). */
interface AppendBatchRequest {
  events: unknown[];
}

/**
 * The server we compare ours with: an avsc 5.7 services server for the AvroSourceProtocol, one
 * stateful channel per connection, which frames with Netty framing as Flume's Avro source does.
 * Its handlers answer OK at once; avsc decodes every request whole before a handler sees it, so
 * each event is built (there is no counting-only mode to compare with ours).
 */
export class AvscSourceServer {
  /**
   * The Avro server's counters, so the bench reads both servers the same way. avsc counts
   * nothing itself: eventsAcknowledged and callsAnswered are counted here, as each call is
   * answered OK; the counters avsc has no notion of stay 0.
   */
  readonly stats: ServerStats = zeroServerStats();
  private readonly server: net.Server;

  constructor() {
    const service = avro.Service.forProtocol(JSON.parse(FLUME_PROTOCOL_TEXT));
    // `silent` (no logging of channel errors) is an avsc server option its type declarations lack.
    const avsc = service.createServer({ silent: true } as Partial<avro.Service.ServerOptions>);
    avsc.onMessage('appendBatch', (request: AppendBatchRequest, answer: (err: unknown, status?: string) => void) => {
      this.answered(request.events.length);
      answer(null, 'OK');
    });
    avsc.onMessage('append', (_request: unknown, answer: (err: unknown, status?: string) => void) => {
      this.answered(1);
      answer(null, 'OK');
    });
    this.server = net.createServer((socket) => {
      this.stats.connectionsAccepted += 1;
      this.stats.connectionsOpen += 1;
      // As our server sets it on every accepted socket: neither side waits for Nagle.
      socket.setNoDelay(true);
      // A client that goes away mid-call is the client's business; the channel ends with the socket.
      socket.on('error', () => undefined);
      socket.once('close', () => (this.stats.connectionsOpen -= 1));
      avsc.createChannel(socket);
    });
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  private answered(events: number): void {
    this.stats.callsAnswered += 1;
    this.stats.eventsAcknowledged += events;
  }
}
