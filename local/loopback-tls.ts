import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';

/**
 * A throwaway certificate authority and a server certificate for
 * `127.0.0.1`, made in memory with `node:crypto` (no openssl, no files), so
 * a loopback server can speak TLS the way an EKS API endpoint does: the
 * client is handed the CA as `certificateAuthority.data` and verifies the
 * server against it. Nothing here is secret or long-lived: the keys live in
 * this process and the certificates expire after a day.
 */

export interface LoopbackTls {
  /** PEM of the CA certificate; what DescribeCluster returns, base64-encoded. */
  readonly caPem: string;
  /** PEM of the server certificate (SAN `IP:127.0.0.1`, `DNS:localhost`), signed by the CA. */
  readonly certPem: string;
  /** PEM (PKCS#8) of the server's private key. */
  readonly keyPem: string;
}

// ---- a little DER -----------------------------------------------------------------------------

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const sequence = (...items: Buffer[]) => tlv(0x30, ...items);
const set = (...items: Buffer[]) => tlv(0x31, ...items);
const octets = (value: Buffer) => tlv(0x04, value);
const utf8 = (value: string) => tlv(0x0c, Buffer.from(value, 'utf8'));
const bits = (value: Buffer, unused = 0) => tlv(0x03, Buffer.from([unused]), value);
const TRUE = Buffer.from([0x01, 0x01, 0xff]);

function integer(value: Buffer): Buffer {
  let bytes = value;
  while (bytes.length > 1 && bytes[0] === 0 && (bytes[1]! & 0x80) === 0) bytes = bytes.subarray(1);
  return tlv(0x02, (bytes[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const out = [first! * 40 + second!];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let value = arc >> 7; value > 0; value >>= 7) chunk.unshift(0x80 | (value & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime `YYMMDDHHMMSSZ` (valid until 2049, which a one-day certificate never reaches). */
function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

function name(commonName: string): Buffer {
  return sequence(
    set(sequence(oid(OID.organization), utf8('self-healing-aws simulated world'))),
    set(sequence(oid(OID.commonName), utf8(commonName))),
  );
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [TRUE] : []), octets(value));
}

function keyId(publicKey: KeyObject): Buffer {
  return createHash('sha1').update(publicKey.export({ type: 'spki', format: 'der' })).digest();
}

interface CertificateSpec {
  readonly subject: string;
  readonly issuer: string;
  readonly publicKey: KeyObject;
  readonly signingKey: KeyObject;
  readonly issuerKeyId: Buffer;
  readonly extensions: Buffer[];
  readonly notBefore: Date;
  readonly notAfter: Date;
}

function certificate(spec: CertificateSpec): string {
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  const tbs = sequence(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serial),
    algorithm,
    name(spec.issuer),
    sequence(utcTime(spec.notBefore), utcTime(spec.notAfter)),
    name(spec.subject),
    spec.publicKey.export({ type: 'spki', format: 'der' }),
    tlv(
      0xa3,
      sequence(
        extension(OID.subjectKeyIdentifier, false, octets(keyId(spec.publicKey))),
        extension(OID.authorityKeyIdentifier, false, sequence(tlv(0x80, spec.issuerKeyId))),
        ...spec.extensions,
      ),
    ),
  );
  // An EC key signs ECDSA with a DER-encoded (r, s): exactly what X.509 carries.
  const signature = sign('sha256', tbs, spec.signingKey);
  const der = sequence(tbs, algorithm, bits(signature));
  const base64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${base64.trimEnd()}\n-----END CERTIFICATE-----\n`;
}

/** A fresh CA and a server certificate for `127.0.0.1` and `localhost`, valid from an hour ago for a day. */
export function loopbackTls(now = new Date()): LoopbackTls {
  const notBefore = new Date(now.getTime() - 3_600_000);
  const notAfter = new Date(now.getTime() + 86_400_000);
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const server = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caKeyId = keyId(ca.publicKey);
  const caPem = certificate({
    subject: 'simulated EKS cluster CA',
    issuer: 'simulated EKS cluster CA',
    publicKey: ca.publicKey,
    signingKey: ca.privateKey,
    issuerKeyId: caKeyId,
    notBefore,
    notAfter,
    extensions: [
      extension(OID.basicConstraints, true, sequence(TRUE)),
      // keyCertSign and cRLSign: bits 5 and 6.
      extension(OID.keyUsage, true, bits(Buffer.from([0x06]), 1)),
    ],
  });
  const certPem = certificate({
    subject: '127.0.0.1',
    issuer: 'simulated EKS cluster CA',
    publicKey: server.publicKey,
    signingKey: ca.privateKey,
    issuerKeyId: caKeyId,
    notBefore,
    notAfter,
    extensions: [
      extension(OID.basicConstraints, true, sequence()),
      // digitalSignature: bit 0.
      extension(OID.keyUsage, true, bits(Buffer.from([0x80]), 7)),
      extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth))),
      // GeneralNames: [7] iPAddress 127.0.0.1, [2] dNSName localhost.
      extension(OID.subjectAltName, false, sequence(tlv(0x87, Buffer.from([127, 0, 0, 1])), tlv(0x82, Buffer.from('localhost', 'ascii')))),
    ],
  });
  return { caPem, certPem, keyPem: server.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}
