#!/usr/bin/env node
/**
 * Writes packages/netty-compat/src/transport/cipher-suite-names.ts: the map from IANA (RFC) TLS
 * cipher suite names, which Java/JSSE and Flume configurations use, to the OpenSSL names that
 * Node's `tls` `ciphers` option takes. The table is OpenSSL's own, read from
 * `openssl ciphers -stdname 'ALL:@SECLEVEL=0'`, whose lines look like
 *
 *   TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 - ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 Kx=ECDH Au=RSA Enc=AESGCM(128) Mac=AEAD
 *
 * Usage: node scripts/gen-cipher-names.mjs   (needs the `openssl` CLI on PATH; rerun after an OpenSSL upgrade)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUTPUT = path.join(ROOT, 'packages/netty-compat/src/transport/cipher-suite-names.ts');
const CIPHER_STRING = 'ALL:@SECLEVEL=0';

/** Runs `openssl args`, bounded; throws an Error naming the command and its stderr on failure. */
function openssl(args) {
  try {
    return execFileSync('openssl', args, { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = typeof error.stderr === 'string' ? error.stderr.trim() : '';
    throw new Error(
      `\`openssl ${args.join(' ')}\` failed (${error.code ?? `status ${error.status}`})${stderr ? `: ${stderr}` : ''}`,
      {
        cause: error,
      },
    );
  }
}

// "OpenSSL 3.0.19 27 Jan 2026 (Library: ...)" -> "OpenSSL 3.0.19"
const version = openssl(['version']).trim().split(' ').slice(0, 2).join(' ');
const table = openssl(['ciphers', '-stdname', CIPHER_STRING]);

/** @type {Map<string, string>} */
const map = new Map();
const LINE = /^(\S+)\s+-\s+(\S+)\s+(SSLv3|TLSv1(?:\.[0-3])?)\s+Kx=/;
for (const line of table.split('\n')) {
  if (line.trim() === '') continue;
  const match = LINE.exec(line);
  if (match === null) throw new Error(`Unexpected line from openssl ciphers -stdname: ${JSON.stringify(line)}`);
  const [, iana, opensslName] = match;
  if (iana === '(NONE)') continue; // no IANA name for this OpenSSL suite
  const previous = map.get(iana);
  if (previous !== undefined && previous !== opensslName) {
    throw new Error(`IANA name ${iana} maps to both ${previous} and ${opensslName}`);
  }
  map.set(iana, opensslName);
}
if (map.size === 0) throw new Error('openssl ciphers -stdname listed no cipher suites');

const entries = [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const source = `// GENERATED FILE, do not edit: run \`node scripts/gen-cipher-names.mjs\` to regenerate.
/**
 * IANA (RFC) TLS cipher suite names -> OpenSSL cipher names.
 *
 * Java (JSSE), and so Flume's configuration, names cipher suites by their IANA names
 * (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), while Node's \`tls\` \`ciphers\` option takes OpenSSL
 * names (ECDHE-RSA-AES128-GCM-SHA256); TLS 1.3 suites keep their IANA names in both. This table
 * translates a Java-style suite list for Node. It is OpenSSL's own \`-stdname\` table, from
 * \`openssl ciphers -stdname '${CIPHER_STRING}'\` with ${version}, suites without an IANA
 * name skipped. So it holds only suites that OpenSSL implements, and not the NULL-encryption
 * suites (they are outside ALL); a listed suite may still be refused by the security level in use.
 */
export const IANA_TO_OPENSSL: ReadonlyMap<string, string> = new Map<string, string>([
${entries.map(([iana, name]) => `  ['${iana}', '${name}'],`).join('\n')}
]);
`;

fs.mkdirSync(path.dirname(OUTPUT), { recursive: true });
fs.writeFileSync(OUTPUT, source);
console.log(`Wrote ${entries.length} cipher suites to ${path.relative(ROOT, OUTPUT)}`);
