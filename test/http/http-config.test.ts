/**
 * The HTTP transport's configuration: `client.type = http`, hosts as http(s) URLs, the keys only
 * one transport acts on (refused when no host speaks it, never ignored), `ssl` against the URL's
 * scheme, `charset`, and agent health (`health.<alias>`, `health-interval`,
 * `health-max-channel-fill`) for the multi-host clients.
 */
import t, { type Test } from 'tap';
import {
  type ClientConfig,
  ConfigurationError,
  FailoverRpcClient,
  HttpRpcClient,
  RpcClientFactory,
  parseClientProperties,
} from '@flume-rpc/rpc-client';

const HTTP = { 'client.type': 'http', hosts: 'h1', 'hosts.h1': 'http://127.0.0.1:8080/flume?x=1' };
const MIXED = {
  'client.type': 'default_failover',
  hosts: 'a h',
  'hosts.a': '127.0.0.1:41414',
  'hosts.h': 'http://127.0.0.1:8080/',
};

function parse(props: Record<string, string>): { config: ClientConfig; warnings: string[] } {
  const warnings: string[] = [];
  const config = parseClientProperties(props, (w) => warnings.push(w));
  return { config, warnings };
}

/** `make` throws a ConfigurationError naming `key` (and saying `words`, when given). */
function refusedBy(t: Test, make: () => unknown, key: string, words?: RegExp): void {
  try {
    make();
  } catch (err) {
    t.ok(err instanceof ConfigurationError, `a ConfigurationError: ${String(err)}`);
    t.equal((err as ConfigurationError).key, key, `it names ${key}`);
    if (words) t.match((err as Error).message, words);
    return;
  }
  t.fail(`expected a ConfigurationError naming ${key}`);
}

function refused(t: Test, props: Record<string, string>, key: string, words?: RegExp): void {
  refusedBy(t, () => parseClientProperties(props, () => undefined), key, words);
}

t.test('client.type = http: the URL, path and query kept, the defaults of every key', async (t) => {
  const { config, warnings } = parse(HTTP);
  t.equal(config.clientType, 'http');
  if (config.clientType !== 'http') return;
  t.same(config.host, { alias: 'h1', host: '127.0.0.1', port: 8080, url: 'http://127.0.0.1:8080/flume?x=1' });
  t.equal(config.options.charset, 'UTF-8');
  t.equal(config.options.pipelining, 1);
  t.equal(config.options.batchSize, 100);
  t.same(warnings, []);
  t.type(RpcClientFactory.create(HTTP), HttpRpcClient, 'the factory builds an HttpRpcClient');
});

t.test('URLs: default ports, IPv6, and what a URL may not be', async (t) => {
  const host = (url: string): unknown => {
    const { config } = parse({ ...HTTP, 'hosts.h1': url });
    return config.clientType === 'http' ? [config.host.host, config.host.port] : null;
  };
  t.same(host('http://agent-1/'), ['agent-1', 80]);
  t.same(host('https://agent-1/'), ['agent-1', 443]);
  t.same(host('HTTP://[::1]:8080/p'), ['::1', 8080]);
  refused(t, { ...HTTP, 'hosts.h1': 'ftp://agent/' }, 'hosts.h1', /http:\/\/ or https:\/\//);
  refused(t, { ...HTTP, 'hosts.h1': 'http://user:pw@agent/' }, 'hosts.h1', /credentials/);
  refused(t, { ...HTTP, 'hosts.h1': 'http://agent/#part' }, 'hosts.h1', /fragment/);
  refused(t, { ...HTTP, 'hosts.h1': 'http://:80/' }, 'hosts.h1');
  refused(t, { ...HTTP, 'hosts.h1': '127.0.0.1:8080' }, 'hosts.h1', /client\.type = http/);
  refused(t, { hosts: 'h1', 'hosts.h1': 'http://127.0.0.1:8080/' }, 'hosts.h1', /client\.type = http/);
});

t.test('keys only the Avro transport acts on are refused when every host is a URL', async (t) => {
  for (const [key, value] of [
    ['handshake-timeout', '1000'],
    ['compression-type', 'deflate'],
    ['compression-level', '3'],
    ['reset-connection-interval', '60'],
    ['wire-layer-order', 'tls-outside'],
  ] as const) {
    refused(t, { ...HTTP, [key]: value }, key, /only to Avro hosts/);
  }
  // With an Avro host beside, they apply to it.
  const { config } = parse({ ...MIXED, 'compression-type': 'deflate', 'handshake-timeout': '1000' });
  t.equal(config.options.compressionType, 'deflate');
});

t.test('keys only the HTTP transport acts on are refused when no host is a URL', async (t) => {
  const avro = { hosts: 'h1', 'hosts.h1': '127.0.0.1:41414' };
  refused(t, { ...avro, charset: 'UTF-16' }, 'charset', /only to HTTP hosts/);
  t.equal(
    parse({ ...avro, charset: 'utf-8' }).config.options.charset,
    'UTF-8',
    'the default asks for nothing: let through',
  );
  refused(t, { ...avro, pipelining: '2' }, 'pipelining', /only to HTTP hosts/);
  const { config } = parse({ ...MIXED, charset: 'utf-16', pipelining: '4' });
  t.equal(config.options.charset, 'UTF-16', 'charset names are read in any case');
  t.equal(config.options.pipelining, 4);
  refused(t, { ...HTTP, charset: 'ISO-8859-1' }, 'charset', /UTF-8, UTF-16, UTF-32/);
  refused(t, { ...HTTP, pipelining: '0' }, 'pipelining');
});

t.test('ssl is a security key: it must agree with every HTTP URL', async (t) => {
  refused(t, { ...HTTP, ssl: 'true' }, 'ssl', /https:\/\//);
  refused(t, { ...HTTP, 'hosts.h1': 'https://127.0.0.1:8443/', ssl: 'false' }, 'ssl', /TLS/);
  refused(t, { ...MIXED, ssl: 'true' }, 'ssl', /hosts\.h/);
  const ok = parse({ ...MIXED, 'hosts.h': 'https://127.0.0.1:8443/', ssl: 'true', 'trust-all-certs': 'true' });
  t.equal(ok.config.options.ssl, true);
  // An https URL is TLS whatever ssl says: its trust keys take effect, so no "has no effect" warning.
  const https = parse({ ...HTTP, 'hosts.h1': 'https://127.0.0.1:8443/', truststore: '/nonexistent.pem' });
  t.same(
    https.warnings.filter((w) => /no effect/.test(w)),
    [],
  );
  const plain = parse({ ...HTTP, 'truststore-type': 'PEM' });
  t.match(plain.warnings.join('\n'), /truststore-type is set but ssl is not true/);
});

t.test('a failover client builds an Avro client or an HTTP client per host', async (t) => {
  const { config } = parse(MIXED);
  t.equal(config.clientType, 'default_failover');
  const client = RpcClientFactory.create(MIXED) as FailoverRpcClient;
  t.same(
    client.hostStates().map((s) => [s.alias, s.port]),
    [
      ['a', 41414],
      ['h', 8080],
    ],
  );
  await client.close();
});

t.test('health keys: per host URLs, interval and threshold, for the multi-host clients only', async (t) => {
  const props = {
    ...MIXED,
    'health.a': 'http://127.0.0.1:34545/metrics',
    'health-interval': '250',
    'health-max-channel-fill': '75.5',
  };
  const { config } = parse(props);
  if (config.clientType !== 'default_failover') return t.fail('a failover config');
  const resolved = config as unknown as {
    health: { urls: Record<string, string>; intervalMs: number; maxChannelFill: number; timeoutMs: number };
  };
  t.same(resolved.health.urls, { a: 'http://127.0.0.1:34545/metrics' });
  t.equal(resolved.health.intervalMs, 250);
  t.equal(resolved.health.maxChannelFill, 75.5);
  t.equal(resolved.health.timeoutMs, 250, 'one poll is bounded by the interval (shorter than request-timeout)');
  refused(t, { ...MIXED, 'health.zz': 'http://127.0.0.1:1/metrics' }, 'health.zz', /not in hosts/);
  refused(t, { ...MIXED, 'health.a': '127.0.0.1:34545' }, 'health.a', /http/);
  refused(t, { ...MIXED, 'health-interval': '100' }, 'health-interval', /no health\.<alias>/);
  refused(
    t,
    { ...MIXED, 'health.a': 'http://127.0.0.1:1/m', 'health-max-channel-fill': '101' },
    'health-max-channel-fill',
  );
  refused(
    t,
    { ...MIXED, 'health.a': 'http://127.0.0.1:1/m', 'health-max-channel-fill': 'full' },
    'health-max-channel-fill',
  );
  refused(t, { ...MIXED, 'health.a': 'http://127.0.0.1:1/m', 'health-interval': '0' }, 'health-interval');
  refused(t, { ...HTTP, 'health.h1': 'http://127.0.0.1:1/metrics' }, 'health.h1', /default_failover/);
});

t.test('typed options are checked as strictly as properties', async (t) => {
  refusedBy(t, () => new HttpRpcClient({ url: 'http://127.0.0.1:8080/', handshakeTimeoutMs: 5 }), 'handshake-timeout');
  refusedBy(t, () => new HttpRpcClient({ url: 'tcp://127.0.0.1:8080' }), 'hosts.h1');
  refusedBy(
    t,
    () =>
      new FailoverRpcClient({
        hosts: [{ alias: 'a', host: '127.0.0.1', port: 1 }],
        health: { urls: { a: 'http://127.0.0.1:1/metrics' }, maxChannelFill: -1 },
      }),
    'health-max-channel-fill',
  );
  const client = new FailoverRpcClient({
    hosts: [
      { alias: 'a', host: '127.0.0.1', port: 1 },
      { alias: 'h', host: '', port: 0, url: 'http://127.0.0.1:2/' },
    ],
  });
  t.same(
    client.hostStates().map((s) => [s.alias, s.host, s.port]),
    [
      ['a', '127.0.0.1', 1],
      ['h', '127.0.0.1', 2],
    ],
    'a typed URL host takes its host and port from the URL',
  );
  await client.close();
});
