import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe } from '@flume-rpc/netty-compat';

export interface TlsMaterial {
  keyFile: string;
  certFile: string;
  /** The certificate as PEM, which clients trust (a self-signed certificate is its own CA). */
  cert: string;
  cleanup(): void;
}

/**
 * A throwaway self-signed certificate for 127.0.0.1 and localhost, made with the openssl command
 * (Node can read certificates but not make them). EC P-256: what a current agent would use.
 */
export function makeTlsMaterial(): TlsMaterial {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flume-rpc-bench-tls-'));
  const keyFile = path.join(dir, 'server.key');
  const certFile = path.join(dir, 'server.crt');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'pipe', timeout: 15_000 },
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`Cannot make a TLS certificate for the benchmark with openssl: ${describe(err)}`, { cause: err });
  }
  return {
    keyFile,
    certFile,
    cert: readFileSync(certFile, 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
