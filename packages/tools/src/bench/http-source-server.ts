import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServerStats, zeroServerStats } from '@flume-rpc/netty-compat';
import { countJsonEvents } from './json-events.js';

/**
 * Flume's HTTPSource with its JSONHandler, on the success path, for the bench: each POST's body
 * is read whole, parsed and checked as the handler would (an array of {headers, body}), and its
 * events counted; 200 with an empty body when it is such an array, 400 otherwise. Nothing is kept:
 * like the Avro bench server's counting mode, it costs the least a real source would.
 */
export class HttpSourceServer {
  /** The Avro server's counters, so the bench reads both servers the same way; unused ones stay 0. */
  readonly stats: ServerStats = zeroServerStats();
  private readonly server: http.Server;

  constructor() {
    // Jetty keeps connections open for 30 s by default; Node's 5 s could close one between rounds.
    this.server = http.createServer({ keepAlive: true, keepAliveTimeout: 30_000 }, (request, response) =>
      this.serve(request, response),
    );
    this.server.on('connection', (socket) => {
      this.stats.connectionsAccepted += 1;
      this.stats.connectionsOpen += 1;
      socket.once('close', () => (this.stats.connectionsOpen -= 1));
    });
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private serve(request: http.IncomingMessage, response: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const count = request.method === 'POST' ? countJsonEvents(Buffer.concat(chunks).toString('utf8')) : null;
      this.stats.callsAnswered += 1;
      if (count === null) {
        this.stats.callsFailed += 1;
        this.stats.protocolErrors += 1;
        response
          .writeHead(400, { 'content-type': 'text/plain; charset=utf-8' })
          .end('Bad request: not a JSON array of events');
        return;
      }
      this.stats.eventsAcknowledged += count;
      response.writeHead(200, { 'content-length': '0' }).end();
    });
  }
}
