/**
 * `flume-rpc serve` as an agent with ssl = true and compression-type = deflate: a keystore (JKS,
 * as an agent's) or PEM files, and refusals that name the flag when TLS cannot take effect.
 */
import t from 'tap';
import { EventBuilder, TlsError } from '@flume-rpc/rpc-client';
import { makeCertificates } from '../fixtures/certificates.js';
import { within } from '../fixtures/index.js';
import { runCli, serveClient, startServe } from './helpers.js';

const certs = await makeCertificates();

const batch = Array.from({ length: 10 }, (_, i) => EventBuilder.withBody(`event ${i}`));

t.test('--keystore (JKS) with --compression-type deflate: an ssl + deflate agent', async (t) => {
  const { cli, port } = await startServe(t, [
    '--count',
    '--keystore',
    certs.javaStores().keystoreJks,
    '--keystore-password',
    certs.password,
    '--compression-type',
    'deflate',
  ]);
  await cli.waitFor(/speaking zlib\+tls/, 5000);
  const c = serveClient(t, port, {
    ssl: true,
    truststore: certs.truststorePem,
    truststoreType: 'PEM',
    compressionType: 'deflate',
  });
  await c.appendBatch(batch);
  const plain = serveClient(t, port, {});
  await t.rejects(plain.appendBatch(batch), 'a plaintext client is refused');
  await c.close();
  cli.kill('SIGTERM');
  const exit = await within(cli.exited, 10_000, 'serve to stop');
  t.equal(exit.code, 0, exit.stderr);
  t.match(exit.stdout, /^total: 10 events received, 10 acknowledged/m);
});

t.test('--ssl-key/--ssl-cert (PEM) with --wire-layer-order tls-outside', async (t) => {
  const { port } = await startServe(t, [
    '--count',
    '--ssl-key',
    certs.server.keyPath,
    '--ssl-cert',
    certs.server.certPath,
    '--compression-type',
    'deflate',
    '--wire-layer-order',
    'tls-outside',
  ]);
  const c = serveClient(t, port, {
    ssl: true,
    truststore: certs.truststorePem,
    truststoreType: 'PEM',
    compressionType: 'deflate',
    wireLayerOrder: 'tls-outside',
  });
  await c.appendBatch(batch);
  const wrongCa = serveClient(t, port, { ssl: true, compressionType: 'deflate', wireLayerOrder: 'tls-outside' });
  await t.rejects(wrongCa.appendBatch(batch), TlsError);
});

t.test('--keystore-type PKCS12: a PKCS#12 keystore', async (t) => {
  const { port } = await startServe(t, [
    '--count',
    '--keystore',
    certs.serverP12,
    '--keystore-type',
    'PKCS12',
    '--keystore-password',
    certs.password,
  ]);
  const c = serveClient(t, port, { ssl: true, truststore: certs.truststorePem, truststoreType: 'PEM' });
  await c.appendBatch(batch);
  t.pass('delivered over TLS with the PKCS#12 key');
});

t.test('TLS flags that cannot take effect stop serve with exit code 2, naming the flag', async (t) => {
  for (const [args, message] of [
    [['--ssl-key', certs.server.keyPath], /--ssl-key and --ssl-cert go together/],
    [['--keystore', '/nonexistent.jks'], /--keystore .*cannot be read/],
    [['--keystore', certs.truststorePem, '--keystore-type', 'PEM'], /holds no PEM private key/],
    [['--keystore-password', 'x'], /need --keystore/],
    [['--compression-type', 'gzip'], /--compression-type must be none or deflate/],
    [['--compression-level', '3'], /--compression-level needs --compression-type deflate/],
  ] as const) {
    const exit = await runCli(t, ['serve', '--port', '0', ...args]);
    t.equal(exit.code, 2, `${args.join(' ')}: ${exit.stderr}`);
    t.match(exit.stderr, message);
  }
});
