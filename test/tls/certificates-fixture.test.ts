/**
 * The certificate fixture makes real, verifiable TLS material: the chains, names and validity the
 * TLS tests rely on hold when checked with node:crypto, and the stores exist and are not empty.
 * Plain node:crypto only: no JKS library is assumed (keytool made the Java stores).
 */
import t from 'tap';
import fs from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { makeCertificates } from '../fixtures/certificates.js';

const certs = await makeCertificates();
t.comment(`generated in ${certs.generationMs}ms under ${certs.dir}`);
const x509 = (pem: string): X509Certificate => new X509Certificate(pem);

t.test('memoized per process', async (t) => {
  t.equal(await makeCertificates(), certs);
});

t.test('server is issued by the CA for localhost, 127.0.0.1 and ::1', async (t) => {
  const ca = x509(certs.ca.cert);
  const server = x509(certs.server.cert);
  t.ok(ca.ca, 'ca is a CA');
  t.match(ca.subject, /CN=flume-rpc test CA/);
  t.ok(server.checkIssued(ca), 'checkIssued');
  t.ok(server.verify(ca.publicKey), 'signature verifies with the CA key');
  t.equal(server.checkHost('localhost'), 'localhost');
  t.equal(server.checkIP('127.0.0.1'), '127.0.0.1');
  t.ok(server.checkIP('::1'), '::1');
  t.ok(server.checkPrivateKey(createPrivateKey(certs.server.key)), 'server.key matches server.cert');
  t.ok(Date.parse(server.validTo) > Date.now(), 'server is still valid');
  t.equal(fs.readFileSync(certs.truststorePem, 'utf8'), certs.ca.cert);
});

t.test('expired, otherHost and untrusted are broken in exactly one way', async (t) => {
  const ca = x509(certs.ca.cert);
  const expired = x509(certs.expired.cert);
  t.ok(expired.verify(ca.publicKey), 'expired is signed by the CA');
  t.ok(Date.parse(expired.validTo) < Date.now(), `expired validTo ${expired.validTo} is in the past`);
  t.equal(expired.checkIP('127.0.0.1'), '127.0.0.1');

  const otherHost = x509(certs.otherHost.cert);
  t.ok(otherHost.verify(ca.publicKey), 'otherHost is signed by the CA');
  t.equal(otherHost.checkIP('127.0.0.1'), undefined, 'otherHost is not for 127.0.0.1');
  t.equal(otherHost.checkHost('localhost'), undefined, 'otherHost is not for localhost');
  t.equal(otherHost.checkHost('other.example'), 'other.example');

  const untrusted = x509(certs.untrusted.cert);
  t.notOk(untrusted.checkIssued(ca), 'untrusted is not issued by ca');
  t.ok(untrusted.verify(x509(certs.unknownCa.cert).publicKey), 'untrusted is signed by unknownCa');
  t.equal(untrusted.checkIP('127.0.0.1'), '127.0.0.1');
});

t.test('stores exist', async (t) => {
  t.ok(fs.statSync(certs.serverP12).size > 0, 'serverP12');
  const stores = certs.javaStores();
  for (const [name, file] of Object.entries(stores)) t.ok(fs.statSync(file).size > 0, name);
  // JKS files start with the magic 0xFEEDFEED.
  t.equal(fs.readFileSync(stores.truststoreJks).readUInt32BE(0), 0xfeedfeed);
});

t.test('cleanup removes the directory', async (t) => {
  certs.cleanup();
  t.notOk(fs.existsSync(certs.dir));
});
