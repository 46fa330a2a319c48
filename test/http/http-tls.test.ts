/**
 * https:// hosts: the TLS keys (truststore, trust-all-certs, ssl-verify-hostname) take effect for
 * an HTTP source as for an Avro one, a certificate that cannot be trusted is a TlsError naming
 * why, and nothing is ever sent in clear to an https:// URL.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import t from 'tap';
import { HttpRpcClient, RpcClientFactory, TlsError } from '@flume-rpc/rpc-client';
import { type Certificates, type KeyPair, makeCertificates } from '../fixtures/certificates.js';
import { LOOPBACK, failure } from '../fixtures/index.js';
import { startSource } from './helpers.js';

interface HttpsSource {
  url: string;
  bodies: string[];
}

/** An https server answering 200 to every POST, as the HTTP source does with ssl = true; closed in teardown. */
async function startHttpsSource(t: Test, pair: KeyPair): Promise<HttpsSource> {
  const bodies: string[] = [];
  const server = https.createServer({ key: pair.key, cert: pair.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `https://${LOOPBACK}:${(server.address() as AddressInfo).port}/`, bodies };
}

const QUICK = { connectTimeoutMs: 3000, requestTimeoutMs: 3000, maxRetries: 0 };
const event = { headers: {}, body: Buffer.from('secret') };

let certs: Certificates;
t.before(async () => {
  certs = await makeCertificates();
});

t.test('the truststore is used for https:// hosts', async (t) => {
  const source = await startHttpsSource(t, certs.server);
  const client = RpcClientFactory.create({
    'client.type': 'http',
    hosts: 'h1',
    'hosts.h1': source.url,
    truststore: certs.truststorePem,
    'truststore-type': 'PEM',
    'max-retries': '0',
  });
  t.teardown(() => client.close());
  await client.append(event);
  t.match(source.bodies[0], /"body":"secret"/);
});

t.test("without a truststore Node's CAs do not trust the test CA: TlsError untrusted", async (t) => {
  const source = await startHttpsSource(t, certs.server);
  const client = new HttpRpcClient({ url: source.url, ...QUICK });
  t.teardown(() => client.close());
  const error = await failure(client.append(event));
  t.type(error, TlsError);
  t.equal((error as TlsError).reason, 'untrusted');
  t.same(source.bodies, []);
});

t.test('trust-all-certs takes effect', async (t) => {
  const source = await startHttpsSource(t, certs.untrusted);
  const client = new HttpRpcClient({ url: source.url, ...QUICK, trustAllCerts: true });
  t.teardown(() => client.close());
  await client.append(event);
  t.equal(source.bodies.length, 1);
});

t.test('the hostname is checked unless ssl-verify-hostname = false', async (t) => {
  const source = await startHttpsSource(t, certs.otherHost);
  const options = { url: source.url, ...QUICK, truststore: certs.truststorePem, truststoreType: 'PEM' };
  const strict = new HttpRpcClient(options);
  t.teardown(() => strict.close());
  const error = await failure(strict.append(event));
  t.type(error, TlsError);
  t.equal((error as TlsError).reason, 'hostname');
  const lax = new HttpRpcClient({ ...options, sslVerifyHostname: false });
  t.teardown(() => lax.close());
  await lax.append(event);
  t.equal(source.bodies.length, 1);
});

t.test('an https:// URL to a plaintext source fails; nothing goes out in clear', async (t) => {
  const plain = await startSource(t);
  const client = new HttpRpcClient({ url: plain.url.replace('http:', 'https:'), ...QUICK, trustAllCerts: true });
  t.teardown(() => client.close());
  const error = await failure(client.append(event));
  // Node sees either the plaintext answer (not-tls) or the source hanging up on the handshake (closed).
  t.type(error, TlsError);
  t.match((error as TlsError).reason, /^(not-tls|closed)$/);
  t.match(error.message, /TLS/);
  t.equal(plain.events.length, 0);
});
