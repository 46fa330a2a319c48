import net from 'node:net';
import tls from 'node:tls';
import {
  type ClientWireOptions,
  StoreReadError,
  TlsNameError,
  cipherList,
  parseStoreType,
  protocolRange,
  readTrustedCertificates,
  describe,
} from '@flume-rpc/netty-compat';
import type { ConnectionOptions } from './config.js';
import { ConfigurationError } from '../errors.js';

let warnedTrustAll = false;

/**
 * Turns the resolved connection options into the socket stack of every connection to `host`:
 * zlib when compression-type = deflate, TLS when ssl = true. The truststore is read and the TLS
 * context built here, once per client, so a wrong file, password, protocol or cipher name is a
 * ConfigurationError when the client is made, not a failure on every connect.
 */
export function resolveWire(
  options: ConnectionOptions,
  host: string,
  warn: (message: string) => void = defaultWarn,
): ClientWireOptions {
  return {
    compressionLevel: options.compressionType === 'deflate' ? options.compressionLevel : null,
    tls: options.ssl ? clientTlsOptions(options, host, warn) : null,
    layerOrder: options.wireLayerOrder,
  };
}

/** Node's TLS options for a connection to `host` (an Avro host with ssl, or an https:// source). */
export function clientTlsOptions(
  options: ConnectionOptions,
  host: string,
  warn: (message: string) => void = defaultWarn,
): tls.ConnectionOptions {
  let secureContext: tls.SecureContext;
  try {
    const { minVersion, maxVersion } = protocolRange(options.includeProtocols, options.excludeProtocols);
    const ciphers = cipherList(options.includeCipherSuites, options.excludeCipherSuites);
    const ca =
      options.trustAllCerts || options.truststore === null
        ? undefined
        : trustedCertificates(options, options.truststore);
    secureContext = tls.createSecureContext({
      minVersion,
      maxVersion,
      ...(ciphers ? { ciphers } : {}),
      ...(ca ? { ca } : {}),
    });
  } catch (err) {
    if (err instanceof ConfigurationError) throw err;
    if (err instanceof TlsNameError) throw new ConfigurationError(err.key, err.value, err.message);
    // OpenSSL refused the cipher list as a whole (e.g. "no cipher match"): name the list that made it.
    const key = options.includeCipherSuites.length > 0 ? 'include-cipher-suites' : 'exclude-cipher-suites';
    const value = options.includeCipherSuites.length > 0 ? options.includeCipherSuites : options.excludeCipherSuites;
    throw new ConfigurationError(key, value, `leaves no usable TLS context: ${describe(err)}`);
  }
  if (options.trustAllCerts && !warnedTrustAll) {
    warnedTrustAll = true;
    warn(
      'trust-all-certs = true: server certificates are not verified; anyone on the path can read and change the events',
    );
  }
  const verify = !options.trustAllCerts;
  return {
    secureContext,
    rejectUnauthorized: verify,
    // SNI takes names only; an IP address is still checked against the certificate's IP entries.
    ...(net.isIP(host) === 0 ? { servername: host } : {}),
    ...(verify && options.sslVerifyHostname ? {} : { checkServerIdentity: () => undefined }),
  };
}

function trustedCertificates(options: ConnectionOptions, path: string): string[] {
  const type = parseStoreType(options.truststoreType);
  if (type === null)
    throw new ConfigurationError('truststore-type', options.truststoreType, 'must be JKS, PKCS12 or PEM');
  try {
    return readTrustedCertificates(path, type, options.truststorePassword);
  } catch (err) {
    if (err instanceof StoreReadError)
      throw new ConfigurationError('truststore', path, err.message.slice(path.length + 2));
    throw err;
  }
}

function defaultWarn(message: string): void {
  process.emitWarning(message, { code: 'FLUME_RPC_TLS' });
}
