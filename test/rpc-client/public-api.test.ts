/**
 * The public entry exports what docs/api.md lists and nothing else, and @flume-rpc/tools uses
 * that entry only (not ./internal, not the library's files).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import * as publicApi from '@flume-rpc/rpc-client';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The runtime (value) exports; the types are checked by tsc over the tools and the docs by review. */
const VALUES = [
  'AbortError',
  'AllHostsFailedError',
  'CallTimeoutError',
  'ClientBusyError',
  'ClientClosedError',
  'ConfigurationError',
  'ConnectError',
  'ConnectTimeoutError',
  'ConnectionClosedError',
  'EventBuilder',
  'EventValidationError',
  'FLUME_DEFAULTS',
  'FailoverRpcClient',
  'FlumeRpcError',
  'HandshakeError',
  'HandshakeTimeoutError',
  'HostUnhealthyError',
  'HttpRpcClient',
  'HttpStatusError',
  'LoadBalancingRpcClient',
  'NettyAvroRpcClient',
  'PartialBatchError',
  'ProtocolError',
  'RemoteError',
  'RequestTimeoutError',
  'RpcClientFactory',
  'StatusError',
  'TlsError',
  'fromSinkSection',
  'parseClientProperties',
  'readPropertiesFile',
  'registerHostSelector',
];

t.test('the index exports the documented values and nothing else', async (t) => {
  t.same(Object.keys(publicApi).sort(), [...VALUES].sort());
  const doc = fs.readFileSync(path.join(ROOT, 'docs/api.md'), 'utf8');
  const exportsSection = doc.slice(doc.indexOf('## Exports'), doc.indexOf('## Not public'));
  for (const name of VALUES) t.match(exportsSection, `\`${name}\``, `docs/api.md lists ${name}`);
});

t.test('@flume-rpc/tools imports the library through its public entry only', async (t) => {
  const offending: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.ts')) {
        const text = fs.readFileSync(file, 'utf8');
        for (const match of text.matchAll(/from '([^']+)'|import '([^']+)'|import\('([^']+)'\)/g)) {
          const specifier = match[1] ?? match[2] ?? match[3] ?? '';
          if (
            specifier.startsWith('@flume-rpc/rpc-client/') ||
            specifier.includes('rpc-client/src') ||
            specifier.includes('rpc-client/dist')
          ) {
            offending.push(`${path.relative(ROOT, file)}: ${specifier}`);
          }
        }
      }
    }
  };
  walk(path.join(ROOT, 'packages/tools/src'));
  t.same(offending, [], 'no subpath (./internal) and no file of the library');
});
