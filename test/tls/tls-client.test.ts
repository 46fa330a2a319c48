/**
 * ssl = true, as Flume's client keys have it, against our TLS server over real sockets: every
 * truststore format, Flume's environment fallbacks, hostname checks, bad certificates, refused
 * protocols and ciphers, a plaintext peer on either side, and no plaintext fallback ever.
 */
import t from 'tap';
import fs from 'node:fs';
import { ConfigurationError, ConnectionClosedError, NettyAvroRpcClient, TlsError } from '@flume-rpc/rpc-client';
import { LOOPBACK, SLACK_MS, within } from '../fixtures/index.js';
import {
  clientFor,
  events,
  makeCertificates,
  propsFor,
  rejection,
  startRecordingProxy,
  startServer,
  startTlsServer,
} from './helpers.js';

const certs = await makeCertificates();

t.test('a PEM truststore: events are delivered, and what crosses the wire is TLS, not frames', async (t) => {
  const { server, port } = await startTlsServer(t, certs);
  const proxy = await startRecordingProxy(t, port);
  const client = clientFor(
    t,
    propsFor(proxy.port, { ssl: 'true', truststore: certs.truststorePem, 'truststore-type': 'PEM' }),
  );
  await within(client.appendBatch(events(250)), SLACK_MS * 2, 'appendBatch over TLS');
  await within(client.append(events(1)[0]!), SLACK_MS, 'append over TLS');
  t.equal(server.stats.eventsAcknowledged, 251);
  const sent = Buffer.concat(proxy.upstream[0]!);
  t.equal(sent[0], 0x16, 'the first byte is a TLS handshake record');
  t.equal(sent.indexOf(Buffer.from('x'.repeat(100))), -1, 'no event body crosses the wire in clear');
});

for (const [type, file] of [
  ['JKS', () => certs.javaStores().truststoreJks],
  ['PKCS12', () => certs.javaStores().truststoreP12],
] as const) {
  t.test(`an agent's ${type} truststore from keytool works unchanged`, async (t) => {
    const { server, port } = await startTlsServer(t, certs);
    const client = clientFor(
      t,
      propsFor(port, {
        ssl: 'true',
        truststore: file(),
        'truststore-password': certs.password,
        'truststore-type': type,
      }),
    );
    await within(client.appendBatch(events(10)), SLACK_MS * 2, `appendBatch with a ${type} truststore`);
    t.equal(server.stats.eventsAcknowledged, 10);
  });
}

t.test('a server with a PKCS#12 key and certificate (pfx), as the library server takes them', async (t) => {
  const { server, port } = await startServer(t, {
    tls: { pfx: fs.readFileSync(certs.serverP12), passphrase: certs.password },
  });
  const client = clientFor(
    t,
    propsFor(port, { ssl: 'true', truststore: certs.truststorePem, 'truststore-type': 'PEM' }),
  );
  await within(client.appendBatch(events(2)), SLACK_MS * 2, 'appendBatch to a pfx server');
  t.equal(server.stats.eventsAcknowledged, 2);
});

t.test('JKS is the default truststore-type, as in Flume', async (t) => {
  const { server, port } = await startTlsServer(t, certs);
  const client = clientFor(
    t,
    propsFor(port, {
      ssl: 'true',
      truststore: certs.javaStores().truststoreJks,
      'truststore-password': certs.password,
    }),
  );
  await within(client.appendBatch(events(3)), SLACK_MS * 2, 'appendBatch');
  t.equal(server.stats.eventsAcknowledged, 3);
});

t.test("without a truststore key, Flume's FLUME_SSL_TRUSTSTORE_* environment variables are used", async (t) => {
  const saved = { ...process.env };
  t.teardown(() => {
    for (const key of ['FLUME_SSL_TRUSTSTORE_PATH', 'FLUME_SSL_TRUSTSTORE_PASSWORD', 'FLUME_SSL_TRUSTSTORE_TYPE']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });
  process.env['FLUME_SSL_TRUSTSTORE_PATH'] = certs.javaStores().truststoreP12;
  process.env['FLUME_SSL_TRUSTSTORE_PASSWORD'] = certs.password;
  process.env['FLUME_SSL_TRUSTSTORE_TYPE'] = 'PKCS12';
  const { server, port } = await startTlsServer(t, certs);
  const client = clientFor(t, propsFor(port, { ssl: 'true' }));
  await within(client.appendBatch(events(2)), SLACK_MS * 2, 'appendBatch with the global truststore');
  t.equal(server.stats.eventsAcknowledged, 2);
});

t.test("with no truststore at all, Node's default CAs decide: a private CA is refused", async (t) => {
  const { server, port } = await startTlsServer(t, certs);
  const client = clientFor(t, propsFor(port, { ssl: 'true' }));
  const error = await rejection(client.appendBatch(events(1)), 'appendBatch');
  t.type(error, TlsError);
  t.equal((error as TlsError).reason, 'untrusted');
  t.equal(server.stats.callsAnswered, 0);
});

t.test('bad certificates are typed TLS errors naming the cause, and nothing is sent', async (t) => {
  const cases = [
    { name: 'expired', pair: certs.expired, reason: 'expired' },
    { name: 'signed by an unknown CA', pair: certs.untrusted, reason: 'untrusted' },
    { name: 'for another host', pair: certs.otherHost, reason: 'hostname' },
  ] as const;
  for (const { name, pair, reason } of cases) {
    const { server, port } = await startServer(t, { tls: { key: pair.key, cert: pair.cert } });
    const client = clientFor(
      t,
      propsFor(port, { ssl: 'true', truststore: certs.truststorePem, 'truststore-type': 'PEM' }),
    );
    const error = await rejection(client.appendBatch(events(1)), `appendBatch to a server with a certificate ${name}`);
    t.type(error, TlsError, name);
    t.equal((error as TlsError).code, 'FLUME_RPC_TLS');
    t.equal((error as TlsError).reason, reason, `${name}: ${error.message}`);
    t.ok((error as TlsError).cause, 'carries the cause');
    t.equal(server.stats.callsAnswered, 0, `${name}: no call reached the server`);
  }
});

t.test('ssl-verify-hostname = false turns off the hostname check alone', async (t) => {
  const other = await startServer(t, { tls: { key: certs.otherHost.key, cert: certs.otherHost.cert } });
  const relaxed = clientFor(
    t,
    propsFor(other.port, {
      ssl: 'true',
      truststore: certs.truststorePem,
      'truststore-type': 'PEM',
      'ssl-verify-hostname': 'false',
    }),
  );
  await within(relaxed.appendBatch(events(1)), SLACK_MS * 2, 'appendBatch without the hostname check');
  t.equal(other.server.stats.eventsAcknowledged, 1);

  // The chain is still checked.
  const untrusted = await startServer(t, { tls: { key: certs.untrusted.key, cert: certs.untrusted.cert } });
  const client = clientFor(
    t,
    propsFor(untrusted.port, {
      ssl: 'true',
      truststore: certs.truststorePem,
      'truststore-type': 'PEM',
      'ssl-verify-hostname': 'false',
    }),
  );
  const error = await rejection(client.appendBatch(events(1)), 'appendBatch to an untrusted server');
  t.equal((error as TlsError).reason, 'untrusted');
});

t.test('trust-all-certs accepts any certificate and warns once per process', async (t) => {
  const { server, port } = await startServer(t, { tls: { key: certs.untrusted.key, cert: certs.untrusted.cert } });
  const warnings: string[] = [];
  const onWarning = (warning: Error): void => {
    warnings.push(warning.message);
  };
  process.on('warning', onWarning);
  t.teardown(() => process.off('warning', onWarning));
  const first = clientFor(t, propsFor(port, { ssl: 'true', 'trust-all-certs': 'true' }));
  await within(first.appendBatch(events(4)), SLACK_MS * 2, 'appendBatch trusting all');
  const second = clientFor(t, propsFor(port, { ssl: 'true', 'trust-all-certs': 'true' }));
  await within(second.appendBatch(events(1)), SLACK_MS * 2, 'second client');
  t.equal(server.stats.eventsAcknowledged, 5);
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(warnings.filter((w) => /trust-all-certs/.test(w)).length, 1, `one warning: ${warnings.join('; ')}`);
});

t.test('a plaintext agent: a TLS error at once, never a plaintext fallback', async (t) => {
  const plain = await startServer(t, {});
  const client = clientFor(
    t,
    propsFor(plain.port, { ssl: 'true', 'trust-all-certs': 'true', 'connect-timeout': '10000' }),
  );
  const started = Date.now();
  const error = await rejection(client.appendBatch(events(1)), 'appendBatch to a plaintext agent');
  t.type(error, TlsError);
  t.ok(Date.now() - started < 8000, 'well before the connect timeout');
  t.match(error.message, /ssl/, `says what to check: ${error.message}`);
  t.equal(plain.server.stats.callsAnswered, 0, 'no call reached the plaintext server');
  t.equal(plain.server.stats.eventsAcknowledged, 0);
});

t.test('a plaintext client to a TLS agent fails fast and says why; the server reports a TLS error', async (t) => {
  const { server, port, errors } = await startTlsServer(t, certs);
  const client = clientFor(t, propsFor(port, { 'handshake-timeout': '10000' }));
  const started = Date.now();
  const error = await rejection(client.appendBatch(events(1)), 'plaintext appendBatch to a TLS agent');
  t.type(error, ConnectionClosedError);
  t.match(error.message, /ssl/);
  t.ok(Date.now() - started < 8000, 'not a wait for the handshake timeout');
  t.equal(server.stats.callsAnswered, 0);
  await within(
    (async () => {
      while (errors.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    })(),
    SLACK_MS,
    'the server to report the connection',
  );
  t.type(errors[0], TlsError);
});

t.test('protocols and cipher suites, by their Java names, take effect', async (t) => {
  const tls12Only = await startTlsServer(t, certs, {
    tls: {
      key: certs.server.key,
      cert: certs.server.cert,
      maxVersion: 'TLSv1.2',
      ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
    },
  });
  const trust = { ssl: 'true', truststore: certs.truststorePem, 'truststore-type': 'PEM' };

  const only13 = clientFor(t, propsFor(tls12Only.port, { ...trust, 'include-protocols': 'TLSv1.3' }));
  const protocolError = await rejection(only13.appendBatch(events(1)), 'TLSv1.3 only against a TLSv1.2 server');
  t.type(protocolError, TlsError);
  t.equal((protocolError as TlsError).reason, 'protocol', protocolError.message);

  const excluded = clientFor(
    t,
    propsFor(tls12Only.port, { ...trust, 'exclude-cipher-suites': 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' }),
  );
  const cipherError = await rejection(excluded.appendBatch(events(1)), 'the only server cipher excluded');
  t.type(cipherError, TlsError);
  t.equal((cipherError as TlsError).reason, 'cipher', cipherError.message);

  const included = clientFor(
    t,
    propsFor(tls12Only.port, {
      ...trust,
      'include-protocols': 'TLSv1.2 TLSv1.3',
      'include-cipher-suites': 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 TLS_AES_128_GCM_SHA256',
    }),
  );
  await within(included.appendBatch(events(1)), SLACK_MS * 2, 'a matching protocol and suite');
  t.equal(tls12Only.server.stats.eventsAcknowledged, 1);
  t.equal(tls12Only.server.stats.callsAnswered, 1, 'the refused clients sent nothing');
});

t.test('exclude-protocols always keeps SSLv3 out, and can exclude everything Node offers', async (t) => {
  const error = t.throws(() => clientFor(t, propsFor(1, { ssl: 'true', 'exclude-protocols': 'TLSv1.2 TLSv1.3' })));
  t.type(error, ConfigurationError);
  t.match((error as Error).message, /exclude-protocols.*no protocol/);
  const client = new NettyAvroRpcClient({ host: LOOPBACK, port: 1, ssl: true, excludeProtocols: ['TLSv1.2'] });
  t.teardown(() => client.close());
  t.same(client.options.excludeProtocols, ['SSLv3', 'TLSv1.2']);
});

t.test('wrong TLS settings are ConfigurationErrors naming the key, when the client is made', async (t) => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ 'include-protocols': 'TLSv9' }, /include-protocols.*unknown protocol TLSv9/],
    [{ 'include-cipher-suites': 'TLS_NOT_A_SUITE' }, /include-cipher-suites.*unknown cipher suite TLS_NOT_A_SUITE/],
    [{ truststore: '/nonexistent/trust.jks' }, /truststore.*cannot be read/],
    [{ truststore: certs.truststorePem, 'truststore-type': 'BKS' }, /truststore-type.*JKS, PKCS12 or PEM/],
    [{ truststore: certs.truststorePem }, /truststore.*not a JKS store/],
    [
      { truststore: certs.javaStores().truststoreJks, 'truststore-password': 'wrong' },
      /truststore.*cannot be read as JKS/,
    ],
  ];
  for (const [extra, message] of cases) {
    const error = t.throws(
      () => clientFor(t, propsFor(1, { ssl: 'true', ...extra })),
      `${JSON.stringify(extra)} is refused`,
    );
    t.type(error, ConfigurationError);
    t.match((error as Error).message, message);
  }
});

t.test('a TLS failure counts as a connect failure: retried with backoff, then reported', async (t) => {
  const { port } = await startServer(t, { tls: { key: certs.untrusted.key, cert: certs.untrusted.cert } });
  const client = new NettyAvroRpcClient({
    host: LOOPBACK,
    port,
    ssl: true,
    truststore: certs.truststorePem,
    truststoreType: 'PEM',
    maxRetries: 2,
    retryBackoffInitialMs: 10,
    retryBackoffMaxMs: 20,
  });
  t.teardown(() => client.close());
  const retries: string[] = [];
  client.on('retry', (info) => retries.push(info.cause.code));
  const error = await rejection(client.appendBatch(events(1)), 'appendBatch');
  t.type(error, TlsError);
  t.same(retries, ['FLUME_RPC_TLS', 'FLUME_RPC_TLS']);
  t.equal(client.counters.connectFailures, 3);
  t.equal(client.counters.eventsFailed, 1, 'the event is reported back as failed');
});

t.test(
  'failover: a host whose certificate is refused is skipped like a dead one, never used in plaintext',
  async (t) => {
    const bad = await startServer(t, { tls: { key: certs.untrusted.key, cert: certs.untrusted.cert } });
    const good = await startTlsServer(t, certs);
    const client = clientFor(t, {
      'client.type': 'default_failover',
      hosts: 'h1 h2',
      'hosts.h1': `${LOOPBACK}:${bad.port}`,
      'hosts.h2': `${LOOPBACK}:${good.port}`,
      'connect-timeout': '3000',
      'request-timeout': '3000',
      'max-retries': '0',
      ...{ ssl: 'true', truststore: certs.truststorePem, 'truststore-type': 'PEM' },
    });
    await within(client.appendBatch(events(7)), SLACK_MS * 3, 'appendBatch with failover');
    t.equal(good.server.stats.eventsAcknowledged, 7);
    t.equal(bad.server.stats.callsAnswered, 0);
  },
);
