/**
 * Flume client properties (a plain object like Java's Properties, a Map, or .properties text)
 * into a checked configuration. Every wrong value is a ConfigurationError naming the key and the
 * value (Flume's Java client logs most of them and silently falls back to a default); unknown
 * keys are reported through the warn option. The typed options are checked as strictly.
 */
import t, { type Test } from 'tap';
import {
  type ClientConfig,
  ConfigurationError,
  type DefaultClientConfig,
  type FailoverClientConfig,
  FLUME_DEFAULTS,
  type LoadBalancingClientConfig,
  NettyAvroRpcClient,
  parseClientProperties,
} from '@flume-rpc/rpc-client';
import { defaultConnectionOptions, parsePropertiesText } from '@flume-rpc/rpc-client/internal';

const HOST = { hosts: 'h1', 'hosts.h1': '127.0.0.1:41414' };

/** Parses, collecting the warnings. */
function parse(props: Record<string, string> | Map<string, string>): { config: ClientConfig; warnings: string[] } {
  const warnings: string[] = [];
  const config = parseClientProperties(props, (w) => warnings.push(w));
  return { config, warnings };
}

function parseDefault(props: Record<string, string>): DefaultClientConfig {
  const { config } = parse(props);
  if (config.clientType !== 'default') throw new Error(`expected the default client type, got ${config.clientType}`);
  return config;
}

/** The ConfigurationError parsing `props` throws (fails the test if it does not throw). */
function configError(t: Test, props: Record<string, unknown>): ConfigurationError | null {
  try {
    parseClientProperties(props as Record<string, string>, () => undefined);
  } catch (err) {
    t.type(err, ConfigurationError, 'a ConfigurationError');
    return err as ConfigurationError;
  }
  t.fail(`expected ${JSON.stringify(props)} to be rejected`);
  return null;
}

t.test("defaults: Flume's for its keys, ours for the others", async (t) => {
  const config = parseDefault(HOST);
  t.same(config.host, { alias: 'h1', host: '127.0.0.1', port: 41414 });
  t.same(config.options, {
    batchSize: 100,
    connectTimeoutMs: 20_000,
    requestTimeoutMs: 20_000,
    handshakeTimeoutMs: 20_000,
    callTimeoutMs: 60_000,
    closeTimeoutMs: 20_000,
    resetConnectionIntervalMs: 0,
    maxRetries: 3,
    retryBackoffInitialMs: 100,
    retryBackoffMaxMs: 5_000,
    maxInflight: 8,
    maxPending: 1_000,
    compressionType: 'none',
    compressionLevel: 6,
    ssl: false,
    trustAllCerts: false,
    truststore: null,
    truststorePassword: null,
    truststoreType: 'JKS',
    includeProtocols: [],
    excludeProtocols: ['SSLv3'],
    includeCipherSuites: [],
    excludeCipherSuites: [],
    sslVerifyHostname: true,
    wireLayerOrder: 'zlib-outside',
    charset: 'UTF-8',
    pipelining: 1,
  });
  t.same(FLUME_DEFAULTS, {
    batchSize: 100,
    connectTimeoutMs: 20_000,
    requestTimeoutMs: 20_000,
    maxBackoffMs: 30_000,
    maxPenaltyMs: 30_000,
    compressionLevel: 6,
  });
  t.same(defaultConnectionOptions(), config.options, 'the typed defaults are the same');
});

t.test('every connection key is read, values trimmed', async (t) => {
  const { config, warnings } = parse({
    ...HOST,
    'batch-size': ' 250 ',
    'connect-timeout': '1500',
    'request-timeout': '2500',
    'handshake-timeout': '3500',
    'call-timeout': '9000',
    'close-timeout': '0',
    'reset-connection-interval': ' 45 ',
    'max-retries': '0',
    'retry-backoff-initial': '0',
    'retry-backoff-max': '900',
    'max-inflight': '1',
    'max-pending': '0',
    'compression-type': 'DEFLATE',
    'compression-level': '9',
    ssl: 'TRUE',
    'trust-all-certs': 'false',
    truststore: '/etc/flume/trust.jks',
    'truststore-password': 'secret',
    'truststore-type': 'PKCS12',
    'exclude-protocols': 'SSLv3  TLSv1 ',
    'include-protocols': 'TLSv1.2 TLSv1.3',
    'include-cipher-suites': 'TLS_AES_128_GCM_SHA256',
    'exclude-cipher-suites': 'TLS_RSA_WITH_AES_128_CBC_SHA TLS_RSA_WITH_AES_256_CBC_SHA',
    'ssl-verify-hostname': 'false',
    'wire-layer-order': 'tls-outside',
  });
  t.same(warnings, []);
  t.same((config as DefaultClientConfig).options, {
    batchSize: 250,
    connectTimeoutMs: 1500,
    requestTimeoutMs: 2500,
    handshakeTimeoutMs: 3500,
    callTimeoutMs: 9000,
    closeTimeoutMs: 0,
    resetConnectionIntervalMs: 45_000,
    maxRetries: 0,
    retryBackoffInitialMs: 0,
    retryBackoffMaxMs: 900,
    maxInflight: 1,
    maxPending: 0,
    compressionType: 'deflate',
    compressionLevel: 9,
    ssl: true,
    trustAllCerts: false,
    truststore: '/etc/flume/trust.jks',
    truststorePassword: 'secret',
    truststoreType: 'PKCS12',
    includeProtocols: ['TLSv1.2', 'TLSv1.3'],
    excludeProtocols: ['SSLv3', 'TLSv1'],
    includeCipherSuites: ['TLS_AES_128_GCM_SHA256'],
    excludeCipherSuites: ['TLS_RSA_WITH_AES_128_CBC_SHA', 'TLS_RSA_WITH_AES_256_CBC_SHA'],
    sslVerifyHostname: false,
    wireLayerOrder: 'tls-outside',
    charset: 'UTF-8',
    pipelining: 1,
  });
});

t.test('handshake-timeout follows connect-timeout unless set', async (t) => {
  t.equal(parseDefault({ ...HOST, 'connect-timeout': '4000' }).options.handshakeTimeoutMs, 4000);
  t.equal(
    parseDefault({ ...HOST, 'connect-timeout': '4000', 'handshake-timeout': '700' }).options.handshakeTimeoutMs,
    700,
  );
  t.equal(defaultConnectionOptions({ connectTimeoutMs: 1234 }).handshakeTimeoutMs, 1234, 'typed form too');
});

t.test(
  'call-timeout defaults to connect + handshake + request timeouts, close-timeout to the request timeout',
  async (t) => {
    const derived = parseDefault({
      ...HOST,
      'connect-timeout': '1000',
      'handshake-timeout': '2000',
      'request-timeout': '4000',
    }).options;
    t.equal(derived.callTimeoutMs, 7000);
    t.equal(derived.closeTimeoutMs, 4000);
    t.equal(
      parseDefault({ ...HOST, 'connect-timeout': '1000' }).options.callTimeoutMs,
      1000 + 1000 + 20_000,
      'handshake follows connect',
    );
    const set = parseDefault({ ...HOST, 'call-timeout': '500', 'close-timeout': '0' }).options;
    t.same([set.callTimeoutMs, set.closeTimeoutMs], [500, 0], 'set values win; close-timeout 0 waits for nothing');
    t.equal(configError(t, { ...HOST, 'call-timeout': '0' })?.key, 'call-timeout');
    t.equal(configError(t, { ...HOST, 'close-timeout': '-1' })?.key, 'close-timeout');
    t.throws(() => defaultConnectionOptions({ callTimeoutMs: 0 }), ConfigurationError, 'typed form checked too');
  },
);

t.test('client.type is case-insensitive; unset or empty means default', async (t) => {
  const two = { hosts: 'a b', 'hosts.a': 'x:1', 'hosts.b': 'y:2' };
  t.equal(parse({ ...HOST, 'client.type': 'DEFAULT' }).config.clientType, 'default');
  t.equal(parse({ ...HOST, 'client.type': 'Default' }).config.clientType, 'default');
  t.equal(parse({ ...HOST, 'client.type': '' }).config.clientType, 'default');
  t.equal(parse({ ...HOST }).config.clientType, 'default');
  t.equal(parse({ ...two, 'client.type': 'DEFAULT_FAILOVER' }).config.clientType, 'default_failover');
  t.equal(parse({ ...two, 'client.type': 'Default_LoadBalance' }).config.clientType, 'default_loadbalance');
  t.equal(parse({ ...two, 'client.type': ' default_failover ' }).config.clientType, 'default_failover', 'trimmed');
});

t.test('a Map and a plain object give the same configuration', async (t) => {
  const props = { ...HOST, 'batch-size': '7', 'request-timeout': '3000' };
  t.same(parse(new Map(Object.entries(props))).config, parse(props).config);
});

t.test('IPv6 hosts are written in brackets', async (t) => {
  t.same(parseDefault({ hosts: 'v6', 'hosts.v6': '[::1]:41414' }).host, { alias: 'v6', host: '::1', port: 41414 });
  t.same(parseDefault({ hosts: 'n', 'hosts.n': ' flume.example.com:5140 ' }).host, {
    alias: 'n',
    host: 'flume.example.com',
    port: 5140,
  });
});

t.test('every bad value is a ConfigurationError naming the key and the value', async (t) => {
  const cases: Array<[string, Record<string, unknown>, string, unknown, RegExp]> = [
    [
      'bad client.type',
      { ...HOST, 'client.type': 'thrift' },
      'client.type',
      'thrift',
      /must be one of default, http, default_failover, default_loadbalance/,
    ],
    ['missing hosts', { 'hosts.h1': '127.0.0.1:41414' }, 'hosts', null, /at least one host alias/],
    ['empty hosts', { hosts: '', 'hosts.h1': '127.0.0.1:41414' }, 'hosts', '', /at least one host alias/],
    ['blank hosts', { hosts: '   ' }, 'hosts', '', /at least one host alias/],
    ['alias listed twice', { hosts: 'h1 h1', 'hosts.h1': 'a:1' }, 'hosts', 'h1 h1', /listed twice/],
    ['missing hosts.alias', { hosts: 'h1 h2', 'hosts.h1': 'a:1' }, 'hosts.h2', null, /is missing/],
    ['no port', { hosts: 'h1', 'hosts.h1': 'localhost' }, 'hosts.h1', 'localhost', /must be host:port/],
    ['empty port', { hosts: 'h1', 'hosts.h1': 'localhost:' }, 'hosts.h1', 'localhost:', /must be host:port/],
    [
      'port not a number',
      { hosts: 'h1', 'hosts.h1': 'localhost:http' },
      'hosts.h1',
      'localhost:http',
      /must be host:port/,
    ],
    ['no host', { hosts: 'h1', 'hosts.h1': ':41414' }, 'hosts.h1', ':41414', /must be host:port/],
    ['unbracketed IPv6', { hosts: 'h1', 'hosts.h1': '::1:41414' }, 'hosts.h1', '::1:41414', /must be host:port/],
    ['port 0', { hosts: 'h1', 'hosts.h1': 'localhost:0' }, 'hosts.h1', 'localhost:0', /port must be from 1 to 65535/],
    [
      'port 65536',
      { hosts: 'h1', 'hosts.h1': 'localhost:65536' },
      'hosts.h1',
      'localhost:65536',
      /port must be from 1 to 65535/,
    ],
    [
      'non-integer connect-timeout',
      { ...HOST, 'connect-timeout': 'abc' },
      'connect-timeout',
      'abc',
      /must be an integer/,
    ],
    [
      'fractional request-timeout',
      { ...HOST, 'request-timeout': '1.5' },
      'request-timeout',
      '1.5',
      /must be an integer/,
    ],
    ['timeout with a unit', { ...HOST, 'connect-timeout': '20s' }, 'connect-timeout', '20s', /must be an integer/],
    ['empty timeout', { ...HOST, 'request-timeout': '' }, 'request-timeout', '', /must be an integer/],
    [
      'huge timeout',
      { ...HOST, 'request-timeout': '99999999999999999999' },
      'request-timeout',
      '99999999999999999999',
      /must be an integer >= 1/,
    ],
    [
      'negative request-timeout',
      { ...HOST, 'request-timeout': '-5' },
      'request-timeout',
      '-5',
      /must be an integer >= 1/,
    ],
    ['zero connect-timeout', { ...HOST, 'connect-timeout': '0' }, 'connect-timeout', '0', /must be an integer >= 1/],
    [
      'zero handshake-timeout',
      { ...HOST, 'handshake-timeout': '0' },
      'handshake-timeout',
      '0',
      /must be an integer >= 1/,
    ],
    ['zero batch-size', { ...HOST, 'batch-size': '0' }, 'batch-size', '0', /must be an integer >= 1/],
    ['negative batch-size', { ...HOST, 'batch-size': '-100' }, 'batch-size', '-100', /must be an integer >= 1/],
    ['negative max-retries', { ...HOST, 'max-retries': '-1' }, 'max-retries', '-1', /must be an integer >= 0/],
    [
      'negative retry-backoff-initial',
      { ...HOST, 'retry-backoff-initial': '-1' },
      'retry-backoff-initial',
      '-1',
      /must be an integer >= 0/,
    ],
    [
      'zero retry-backoff-max',
      { ...HOST, 'retry-backoff-max': '0' },
      'retry-backoff-max',
      '0',
      /must be an integer >= 1/,
    ],
    [
      'initial above max',
      { ...HOST, 'retry-backoff-initial': '6000' },
      'retry-backoff-initial',
      6000,
      /must not exceed retry-backoff-max \(5000\)/,
    ],
    ['zero max-inflight', { ...HOST, 'max-inflight': '0' }, 'max-inflight', '0', /must be an integer >= 1/],
    ['negative max-pending', { ...HOST, 'max-pending': '-1' }, 'max-pending', '-1', /must be an integer >= 0/],
    ['compression-level 10', { ...HOST, 'compression-level': '10' }, 'compression-level', 10, /from 0 to 9/],
    ['bad compression-type', { ...HOST, 'compression-type': 'gzip' }, 'compression-type', 'gzip', /none or deflate/],
    ['bad ssl boolean', { ...HOST, ssl: 'yes' }, 'ssl', 'yes', /true or false/],
    ['bad trust-all-certs boolean', { ...HOST, 'trust-all-certs': '1' }, 'trust-all-certs', '1', /true or false/],
    [
      'bad backoff boolean',
      { 'client.type': 'default_loadbalance', ...HOST, backoff: 'maybe' },
      'backoff',
      'maybe',
      /true or false/,
    ],
    [
      'negative maxBackoff',
      { 'client.type': 'default_loadbalance', ...HOST, maxBackoff: '-1' },
      'maxBackoff',
      '-1',
      /must be an integer >= 0/,
    ],
    [
      'zero max-attempts',
      { 'client.type': 'default_failover', ...HOST, 'max-attempts': '0' },
      'max-attempts',
      '0',
      /must be an integer >= 1/,
    ],
    [
      'non-integer max-attempts',
      { 'client.type': 'default_failover', ...HOST, 'max-attempts': 'all' },
      'max-attempts',
      'all',
      /must be an integer/,
    ],
    [
      'zero maxpenalty',
      { 'client.type': 'default_failover', ...HOST, maxpenalty: '0' },
      'maxpenalty',
      '0',
      /must be an integer >= 1/,
    ],
    [
      'non-integer priority',
      { 'client.type': 'default_failover', ...HOST, 'priority.h1': 'high' },
      'priority.h1',
      'high',
      /must be an integer/,
    ],
    [
      'duplicate priorities',
      {
        'client.type': 'default_failover',
        hosts: 'h1 h2',
        'hosts.h1': 'a:1',
        'hosts.h2': 'b:2',
        'priority.h1': '5',
        'priority.h2': '5',
      },
      'priority.h2',
      '5',
      /must differ from priority of h1/,
    ],
    ['a value that is not a string', { hosts: 5, 'hosts.h1': 'a:1' }, 'hosts', 5, /must be strings/],
  ];
  for (const [what, props, key, value, reason] of cases) {
    const error = configError(t, props);
    if (!error) continue;
    t.equal(error.key, key, `${what}: names the key`);
    t.same(error.value, value, `${what}: names the value`);
    t.match(error.message, reason, `${what}: says why`);
    t.match(error.message, key, `${what}: the message names the key too`);
    t.equal(error.code, 'FLUME_RPC_CONFIGURATION');
  }
});

t.test('a key the SDK would not act on is an error naming it, never silently ignored', async (t) => {
  for (const [key, value, reason] of [
    ['conect-timeout', '5000', /is not a client property/], // a typo
    ['hosts.h9', 'x:1', /names alias h9, which is not in hosts/],
    ['priority.h8', '3', /names alias h8/],
  ] as const) {
    const error = configError(t, { ...HOST, [key]: value });
    t.equal(error?.key, key);
    t.match(error?.message, reason);
  }
});

t.test('a typed option the SDK does not know is an error too', async (t) => {
  const error = t.throws(() => new NettyAvroRpcClient({ host: '127.0.0.1', port: 1, sslEnabled: true } as never));
  t.type(error, ConfigurationError);
  t.match((error as Error).message, /sslEnabled.*is not a connection option/);
  t.throws(() => defaultConnectionOptions({ compression: 'deflate' } as never), ConfigurationError);
});

t.test("keys Flume's own Avro client ignores too are warned about, as Flume warns", async (t) => {
  const { warnings } = parse({ ...HOST, maxIoWorkers: '4', kerberos: 'false', maxConnections: '3' });
  t.equal(warnings.length, 3, warnings.join(' | '));
  t.match(warnings[0], /number of workers is no longer supported/);
  t.match(warnings[1], /kerberos is read only by Flume's Thrift clients/);
  t.match(warnings[2], /maxConnections/);
});

t.test('keys that the other settings make meaningless are warned about', async (t) => {
  const { warnings } = parse({
    ...HOST,
    truststore: '/x.jks',
    'compression-level': '9',
    'wire-layer-order': 'tls-outside',
  });
  t.equal(warnings.length, 3, warnings.join(' | '));
  t.match(warnings[0], /truststore is set but ssl is not true/);
  t.match(warnings[1], /compression-level is set but compression-type is not deflate/);
  t.match(warnings[2], /wire-layer-order .* only matters with both ssl = true and compression-type = deflate/);
});

t.test("Flume's global TLS settings (FLUME_SSL_* variables) are the defaults of unset keys", async (t) => {
  const names = [
    'FLUME_SSL_TRUSTSTORE_PATH',
    'FLUME_SSL_TRUSTSTORE_PASSWORD',
    'FLUME_SSL_TRUSTSTORE_TYPE',
    'FLUME_SSL_EXCLUDE_PROTOCOLS',
    'FLUME_SSL_INCLUDE_CIPHERSUITES',
  ];
  const saved = names.map((name) => [name, process.env[name]] as const);
  t.teardown(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  Object.assign(process.env, {
    FLUME_SSL_TRUSTSTORE_PATH: '/etc/flume/global.jks',
    FLUME_SSL_TRUSTSTORE_PASSWORD: 'g',
    FLUME_SSL_TRUSTSTORE_TYPE: 'PKCS12',
    FLUME_SSL_EXCLUDE_PROTOCOLS: 'TLSv1,TLSv1.1',
    FLUME_SSL_INCLUDE_CIPHERSUITES: 'TLS_AES_128_GCM_SHA256',
  });
  const global = parseDefault({ ...HOST, ssl: 'true' }).options;
  t.same(
    [
      global.truststore,
      global.truststorePassword,
      global.truststoreType,
      global.excludeProtocols,
      global.includeCipherSuites,
    ],
    ['/etc/flume/global.jks', 'g', 'PKCS12', ['SSLv3', 'TLSv1', 'TLSv1.1'], ['TLS_AES_128_GCM_SHA256']],
    'commas become list separators, as Flume normalizes them',
  );
  const own = parseDefault({ ...HOST, ssl: 'true', truststore: '/own.jks', 'exclude-protocols': 'TLSv1.3' }).options;
  t.same([own.truststore, own.excludeProtocols], ['/own.jks', ['SSLv3', 'TLSv1.3']], 'a key that is set wins');
});

t.test('more than one host for the default client: a warning, the first host is used', async (t) => {
  const { config, warnings } = parse({ hosts: 'first second', 'hosts.first': 'a:1', 'hosts.second': 'b:2' });
  t.same((config as DefaultClientConfig).host, { alias: 'first', host: 'a', port: 1 });
  t.equal(warnings.length, 1);
  t.match(warnings[0], /only first is used/);
});

t.test('failover keys: max-attempts (default and capped at the number of hosts), priorities, maxpenalty', async (t) => {
  const hosts = {
    'client.type': 'default_failover',
    hosts: 'h1 h2 h3',
    'hosts.h1': 'a:1',
    'hosts.h2': 'b:2',
    'hosts.h3': 'c:3',
  };
  const plain = parse(hosts).config as FailoverClientConfig;
  t.equal(plain.maxAttempts, 3, 'default: every host');
  t.equal(plain.maxPenaltyMs, 30_000);
  t.ok(
    plain.priorities.h1! > plain.priorities.h2! && plain.priorities.h2! > plain.priorities.h3!,
    'without priorities, list order ranks',
  );
  t.same(
    plain.hosts.map((h) => h.alias),
    ['h1', 'h2', 'h3'],
  );
  const set = parse({ ...hosts, 'max-attempts': '10', 'priority.h3': '100', 'priority.h1': '7', maxpenalty: '5000' })
    .config as FailoverClientConfig;
  t.equal(set.maxAttempts, 3, 'capped at the number of hosts');
  t.equal(set.priorities.h3, 100);
  t.equal(set.priorities.h1, 7);
  t.equal(set.maxPenaltyMs, 5000);
  t.equal((parse({ ...hosts, 'max-attempts': '2' }).config as FailoverClientConfig).maxAttempts, 2);
});

t.test("load-balancing keys: host-selector, backoff, maxBackoff (0 means Flume's 30 s)", async (t) => {
  const hosts = { 'client.type': 'default_loadbalance', hosts: 'h1 h2', 'hosts.h1': 'a:1', 'hosts.h2': 'b:2' };
  const plain = parse(hosts).config as LoadBalancingClientConfig;
  t.equal(plain.hostSelector, 'round_robin');
  t.equal(plain.backoff, false);
  t.equal(plain.maxBackoffMs, 30_000);
  t.equal((parse({ ...hosts, 'host-selector': 'RANDOM' }).config as LoadBalancingClientConfig).hostSelector, 'random');
  t.equal(
    (parse({ ...hosts, 'host-selector': 'com.example.MySelector' }).config as LoadBalancingClientConfig).hostSelector,
    'com.example.MySelector',
    'a custom selector name is kept as written',
  );
  t.equal((parse({ ...hosts, backoff: 'TRUE' }).config as LoadBalancingClientConfig).backoff, true);
  t.equal((parse({ ...hosts, maxBackoff: '0' }).config as LoadBalancingClientConfig).maxBackoffMs, 30_000);
  t.equal((parse({ ...hosts, maxBackoff: '2500' }).config as LoadBalancingClientConfig).maxBackoffMs, 2500);
});

t.test('.properties text: comments, separators, continuations and escapes as Java reads them', async (t) => {
  const text = [
    '# a Flume client configuration',
    '! also a comment',
    'client.type = default',
    'hosts: h1',
    'hosts.h1 127.0.0.1\\:41414',
    'request-timeout = 3\\',
    '    000',
    'truststore=C:\\\\flume\\\\trust.jks',
    'truststore-password = p\\u00e4ss',
    '',
    '   batch-size   =   42   ',
  ].join('\n');
  const props = parsePropertiesText(text);
  t.same(props, {
    'client.type': 'default',
    hosts: 'h1',
    'hosts.h1': '127.0.0.1:41414',
    'request-timeout': '3000',
    truststore: 'C:\\flume\\trust.jks',
    'truststore-password': 'päss',
    'batch-size': '42   ',
  });
  const config = parseDefault(props);
  t.same(config.host, { alias: 'h1', host: '127.0.0.1', port: 41414 });
  t.equal(config.options.requestTimeoutMs, 3000);
  t.equal(config.options.batchSize, 42, 'trailing blanks in a value are trimmed by the parser');
  t.equal(config.options.truststore, 'C:\\flume\\trust.jks');
});

t.test('typed options are checked as strictly as properties', async (t) => {
  const bad: Array<[string, () => unknown, string]> = [
    ['empty host', () => new NettyAvroRpcClient({ host: '', port: 41414 }), 'hosts.h1'],
    ['blank host', () => new NettyAvroRpcClient({ host: '  ', port: 41414 }), 'hosts.h1'],
    ['port 0', () => new NettyAvroRpcClient({ host: '127.0.0.1', port: 0 }), 'hosts.h1 port'],
    ['port 70000', () => new NettyAvroRpcClient({ host: '127.0.0.1', port: 70_000 }), 'hosts.h1 port'],
    ['fractional port', () => new NettyAvroRpcClient({ host: '127.0.0.1', port: 41414.5 }), 'hosts.h1 port'],
    ['NaN port', () => new NettyAvroRpcClient({ host: '127.0.0.1', port: Number.NaN }), 'hosts.h1 port'],
    [
      'string port',
      () => new NettyAvroRpcClient({ host: '127.0.0.1', port: '41414' as unknown as number }),
      'hosts.h1 port',
    ],
    [
      'zero request timeout',
      () => new NettyAvroRpcClient({ host: '127.0.0.1', port: 1, requestTimeoutMs: 0 }),
      'request-timeout',
    ],
    ['negative retries', () => new NettyAvroRpcClient({ host: '127.0.0.1', port: 1, maxRetries: -1 }), 'max-retries'],
    [
      'fractional batch size',
      () => new NettyAvroRpcClient({ host: '127.0.0.1', port: 1, batchSize: 2.5 }),
      'batch-size',
    ],
    ['Infinity timeout', () => defaultConnectionOptions({ connectTimeoutMs: Infinity }), 'connect-timeout'],
    ['zero max-inflight', () => defaultConnectionOptions({ maxInflight: 0 }), 'max-inflight'],
    [
      'initial above max',
      () => defaultConnectionOptions({ retryBackoffInitialMs: 500, retryBackoffMaxMs: 100 }),
      'retry-backoff-initial',
    ],
  ];
  for (const [what, build, key] of bad) {
    try {
      build();
      t.fail(`${what}: accepted`);
    } catch (err) {
      t.type(err, ConfigurationError, what);
      t.equal((err as ConfigurationError).key, key, `${what}: names ${key}`);
    }
  }
  const ok = new NettyAvroRpcClient({ host: '127.0.0.1', port: 1, requestTimeoutMs: undefined, batchSize: 5 });
  t.equal(ok.options.requestTimeoutMs, 20_000, 'undefined means the default');
  t.equal(ok.getBatchSize(), 5);
  t.equal(ok.isActive(), true, 'a new client is active before it ever connects');
  await ok.close();
});
