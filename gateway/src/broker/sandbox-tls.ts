// The sandbox's MQTT-over-TLS identity: a sandbox CA and a server certificate signed by it,
// made once at first start into <data dir>/tls and reused after (devices trust the CA file).
// Keys are RSA-2048 from Node's crypto; node-forge only writes the X.509 (no openssl needed).
// Private keys are 0600 in a 0700 folder. This is a sandbox CA: a real deployment brings its
// own certificates (docs/gateway.md "MQTT over TLS").
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import forge from 'node-forge';

export interface SandboxTls {
  /** PEM of the CA devices trust (also at caFile) */
  caPem: string;
  caFile: string;
  keyPem: string;
  /** server certificate followed by the CA */
  certPem: string;
  /** names the server certificate is valid for (DNS names and IP addresses) */
  hostnames: string[];
}

const CA_YEARS = 10;
const SERVER_DAYS = 825; // the longest server-certificate life clients commonly accept

function newKeyPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

function certificate(p: { subjectCn: string; issuer?: forge.pki.Certificate; signingKeyPem: string; publicKeyPem: string; days: number; ca: boolean; hostnames?: string[] }): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(p.publicKeyPem);
  // RFC 5280 §4.1.2.2: a positive serial of up to 20 bytes, unique per CA (random, top bit clear).
  cert.serialNumber = '00' + randomBytes(16).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + p.days * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: p.subjectCn }, { name: 'organizationName', value: 'feedin sandbox' }]);
  cert.setIssuer((p.issuer ?? cert).subject.attributes);
  cert.setExtensions(
    p.ca
      ? [
          { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
          { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
          { name: 'subjectKeyIdentifier' },
        ]
      : [
          { name: 'basicConstraints', cA: false, critical: true },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
          { name: 'extKeyUsage', serverAuth: true },
          { name: 'subjectAltName', altNames: (p.hostnames ?? []).map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h })) },
        ],
  );
  cert.sign(forge.pki.privateKeyFromPem(p.signingKeyPem), forge.md.sha256.create());
  return cert;
}

async function writePrivate(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, path);
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The sandbox CA and server certificate under `dir`, made on first use. A server certificate
 * that no longer covers every hostname (the config changed) or is about to expire is remade,
 * signed by the same CA, so devices keep trusting it. */
export async function ensureSandboxTls(dir: string, hostnames: string[]): Promise<SandboxTls> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const files = { caKey: join(dir, 'ca-key.pem'), ca: join(dir, 'ca.pem'), key: join(dir, 'server-key.pem'), cert: join(dir, 'server.pem') };
  let caPem = await readIfExists(files.ca);
  let caKeyPem = await readIfExists(files.caKey);
  if (!caPem || !caKeyPem) {
    const keys = newKeyPair();
    caKeyPem = keys.privatePem;
    caPem = forge.pki.certificateToPem(certificate({ subjectCn: 'feedin sandbox MQTT CA', signingKeyPem: keys.privatePem, publicKeyPem: keys.publicPem, days: CA_YEARS * 365, ca: true }));
    await writePrivate(files.caKey, caKeyPem);
    await writePrivate(files.ca, caPem);
  }
  let keyPem = await readIfExists(files.key);
  let serverPem = await readIfExists(files.cert);
  if (!keyPem || !serverPem || !covers(serverPem, caPem, hostnames)) {
    const keys = newKeyPair();
    keyPem = keys.privatePem;
    const issuer = forge.pki.certificateFromPem(caPem);
    serverPem = forge.pki.certificateToPem(certificate({ subjectCn: hostnames[0] ?? 'localhost', issuer, signingKeyPem: caKeyPem, publicKeyPem: keys.publicPem, days: SERVER_DAYS, ca: false, hostnames }));
    await writePrivate(files.key, keyPem);
    await writePrivate(files.cert, serverPem);
  }
  return { caPem, caFile: files.ca, keyPem, certPem: serverPem + caPem, hostnames };
}

function covers(serverPem: string, caPem: string, hostnames: string[]): boolean {
  try {
    const cert = new X509Certificate(serverPem);
    if (!cert.checkIssued(new X509Certificate(caPem))) return false;
    if (Date.parse(cert.validTo) < Date.now() + 30 * 86_400_000) return false;
    return hostnames.every((h) => (isIP(h) ? cert.checkIP(h) !== undefined : cert.checkHost(h) !== undefined));
  } catch {
    return false;
  }
}
