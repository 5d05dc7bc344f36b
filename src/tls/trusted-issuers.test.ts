// Which CA signed an accepted client certificate (by signature), on a real TLS connection whose
// client sends an intermediate; certificates from the project's PKI code and openssl.
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer, DetailedPeerCertificate, PeerCertificate, TLSSocket } from 'node:tls';
import { asn1Name } from '../../test/helpers/asn1-name';
import { opensslSelfSigned, opensslSigned } from '../../test/helpers/openssl-pki';
import { RawCertificate, rawCertificate, universalStringName } from '../../test/helpers/raw-certificate';
import { tempDir } from '../../test/helpers/temp-dir';
import { createCa, loadSigningCa, SigningCa } from '../pki/ca';
import { canonicalDistinguishedName, UNREADABLE_ISSUER } from '../pki/distinguished-name';
import { issueCertificate } from '../pki/issue';
import { parseSanList } from '../pki/subject-alt-names';
import { serverIdChecker } from './client-credentials';
import { TrustedIssuers } from './trusted-issuers';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const file = (name: string) => join(tmp.dir, name);
/** A certificate openssl makes for CN=name, signed by the CA in caCrt/caKey, with these extension lines; returns [certPem, keyPem]. */
function signed(name: string, caCrt: string, caKey: string, ext: string[]): [string, string] {
  const made = opensslSigned(tmp.dir, name, `/CN=${name}`, { certFile: caCrt, keyFile: caKey }, ext);
  return [made.certPem, made.keyPem];
}

describe('TrustedIssuers', () => {
  let root: SigningCa;
  let other: SigningCa;
  let interPem: string;
  let viaInter: [string, string];
  beforeAll(async () => {
    const rootPair = await createCa({ commonName: 'root CA' });
    root = await loadSigningCa(rootPair.certPem, rootPair.keyPem);
    writeFileSync(file('root.crt'), rootPair.certPem);
    writeFileSync(file('root.key'), rootPair.keyPem);
    const otherPair = await createCa({ commonName: 'other CA' });
    other = await loadSigningCa(otherPair.certPem, otherPair.keyPem);
    [interPem] = signed('intermediate', file('root.crt'), file('root.key'), [
      'basicConstraints=critical,CA:TRUE',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    viaInter = signed('leaf', file('intermediate.crt'), file('intermediate.key'), [
      'basicConstraints=CA:FALSE',
      'extendedKeyUsage=clientAuth',
      'keyUsage=digitalSignature',
    ]);
  });

  const peer = (pem: string): PeerCertificate => new X509Certificate(pem).toLegacyObject();
  const none = () => undefined;

  it('names its CAs as `cert inspect` does, with their fingerprints', () => {
    const issuers = new TrustedIssuers(root.certPem + other.certPem);
    expect(issuers.cas).toEqual([
      { subject: 'CN=root CA', fingerprint: new X509Certificate(root.certPem).fingerprint256 },
      { subject: 'CN=other CA', fingerprint: new X509Certificate(other.certPem).fingerprint256 },
    ]);
    expect(Object.isFrozen(issuers.cas[0])).toBe(true);
  });

  it('finds the trusted CA that signed a certificate, by signature (not by name), and remembers it', async () => {
    const issuers = new TrustedIssuers(other.certPem + root.certPem);
    const alice = peer((await issueCertificate(root, { profile: 'client', commonName: 'alice' })).certPem);
    const found = issuers.issuerOf(alice, none);
    expect(found).toEqual({ subject: 'CN=root CA', fingerprint: new X509Certificate(root.certPem).fingerprint256 });
    expect(issuers.issuerOf(alice, none)).toBe(found);
    // A CA that only shares the name did not sign it.
    const twin = await createCa({ commonName: 'root CA' });
    expect(new TrustedIssuers(twin.certPem).issuerOf(alice, none)).toBeUndefined();
    const stranger = peer((await issueCertificate(other, { profile: 'client', commonName: 'eve' })).certPem);
    expect(new TrustedIssuers(root.certPem).issuerOf(stranger, none)).toBeUndefined();
  });

  it("a certificate without key identifiers that only names a trusted CA as its issuer is not that CA's (the signature decides)", () => {
    // An impostor CA with the trusted root's name and no key identifiers, and a leaf it signed without
    // an authority key identifier: the names match, only the signature tells the CAs apart.
    const impostor = opensslSelfSigned(tmp.dir, 'impostor', '/CN=root CA', {
      addext: [
        'basicConstraints=critical,CA:TRUE',
        'keyUsage=critical,keyCertSign,cRLSign',
        'subjectKeyIdentifier=none',
        'authorityKeyIdentifier=none',
      ],
    });
    const [forged] = signed('forged', impostor.certFile, impostor.keyFile, [
      'basicConstraints=CA:FALSE',
      'extendedKeyUsage=clientAuth',
      'subjectKeyIdentifier=none',
      'authorityKeyIdentifier=none',
    ]);
    const leaf = new X509Certificate(forged);
    expect(leaf.issuer).toBe('CN=root CA');
    expect(leaf.checkIssued(new X509Certificate(root.certPem))).toBe(true); // by name, the real root "issued" it
    expect(new TrustedIssuers(root.certPem).issuerOf(peer(forged), none)).toBeUndefined();
    // Its own signer, when trusted, is found.
    expect(new TrustedIssuers(impostor.certPem).issuerOf(peer(forged), none)).toMatchObject({
      subject: 'CN=root CA',
    });
  });

  it('an intermediate the peer sent is the issuer when no trusted CA signed the certificate directly (real TLS connection)', async () => {
    const seen = await new Promise<{ peer: PeerCertificate; detailed: DetailedPeerCertificate }>((resolve, reject) => {
      const server = createServer(
        { cert: viaInter[0], key: viaInter[1], ca: root.certPem, requestCert: true, rejectUnauthorized: true },
        (socket: TLSSocket) => {
          resolve({ peer: socket.getPeerCertificate(), detailed: socket.getPeerCertificate(true) });
          socket.end();
          server.close();
        },
      );
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        const client = connect({
          host: '127.0.0.1',
          port,
          cert: viaInter[0] + interPem,
          key: viaInter[1],
          ca: root.certPem,
          rejectUnauthorized: false,
        });
        client.on('error', reject);
        client.on('data', () => undefined);
      });
    });
    const issuers = new TrustedIssuers(root.certPem);
    const signer = { subject: 'CN=intermediate', fingerprint: new X509Certificate(interPem).fingerprint256 };
    // Before a full handshake of this certificate, without the chain the peer sent, the signer is
    // unknown (no issuer-bound principal matches).
    expect(issuers.issuerOf(seen.peer, none)).toBeUndefined();
    // A chain that cannot be read fails closed too.
    expect(
      issuers.issuerOf(seen.peer, () => {
        throw new Error('gone');
      }),
    ).toBeUndefined();
    // A chain of one self-issued link ends the walk.
    const loop = { ...seen.detailed } as DetailedPeerCertificate;
    loop.issuerCertificate = loop;
    expect(issuers.issuerOf(seen.peer, () => loop)).toBeUndefined();
    expect(issuers.issuerOf(seen.peer, () => seen.detailed)).toEqual(signer);
    // A resumed session has no sent chain: the signer found at the full handshake, for these very bytes.
    expect(issuers.issuerOf(seen.peer, none)).toEqual(signer);
    // A chain that is sent but holds no signer of the certificate names none, remembered or not.
    const wrongChain = {
      ...seen.detailed,
      issuerCertificate: { ...seen.detailed, raw: new X509Certificate(root.certPem).raw, issuerCertificate: undefined },
    } as unknown as DetailedPeerCertificate;
    expect(issuers.issuerOf(seen.peer, () => wrongChain)).toBeUndefined();
  });
});

describe('serverIdChecker: the server is verified by an identity instead of the address dialed', () => {
  let server: PeerCertificate;
  beforeAll(async () => {
    const ca = await loadSigningCa(...(Object.values(await createCa({ commonName: 'id CA' })) as [string, string]));
    server = new X509Certificate(
      (await issueCertificate(ca, { profile: 'server', commonName: 'kv', sans: parseSanList('DNS:kv.corp,URI:spiffe://corp/service/kv') }))
        .certPem,
    ).toLegacyObject();
  });

  it('a sent CA named in a UniversalString never takes the name it reads as (U+10054 reads as "T"): no issuer: principal matches it', () => {
    const CN = '2.5.4.3';
    const rootCa = rawCertificate(asn1Name([[CN, 'raw root']]), undefined, { ca: true });
    const teamB = rawCertificate(asn1Name([[CN, 'Team B CA']]), rootCa, { ca: true });
    const lookalike = rawCertificate(universalStringName(CN, '\u{10054}eam B CA'), rootCa, { ca: true });
    const issuers = new TrustedIssuers(new X509Certificate(rootCa.der).toString());
    const issuedBy = (ca: RawCertificate) => {
      const leaf = new X509Certificate(rawCertificate(asn1Name([[CN, 'mallory']]), ca).der);
      const sent = { ...leaf.toLegacyObject(), issuerCertificate: { raw: ca.der } } as DetailedPeerCertificate;
      return issuers.issuerOf(leaf.toLegacyObject(), () => sent);
    };
    expect(issuedBy(teamB)?.subject).toBe('CN=Team B CA');
    expect(issuedBy(lookalike)).toEqual({ subject: UNREADABLE_ISSUER, fingerprint: new X509Certificate(lookalike.der).fingerprint256 });
    expect(UNREADABLE_ISSUER).toBe(
      '(a name with a UniversalString value, which certrpc cannot read exactly: bind it with issuerFingerprint)',
    );
    expect(canonicalDistinguishedName(UNREADABLE_ISSUER)).toBeUndefined();
  });

  it("a URI identity must be one of its URI SANs; a DNS identity follows Node's hostname rules", () => {
    expect(serverIdChecker('spiffe://corp/service/kv')('10.0.0.1', server)).toBeUndefined();
    expect(serverIdChecker('spiffe://corp/service/other')('10.0.0.1', server)?.message).toBe(
      'server identity mismatch: expected URI SAN spiffe://corp/service/other, the server certificate has DNS:kv.corp, URI:spiffe://corp/service/kv',
    );
    expect(serverIdChecker('kv.corp')('10.0.0.1', server)).toBeUndefined();
    expect(serverIdChecker('db.corp')('10.0.0.1', server)?.message).toMatch(/Host: db\.corp\. is not in the cert's altnames: DNS:kv\.corp/);
    expect(
      serverIdChecker('spiffe://corp/service/kv')('x', { ...server, subjectaltname: undefined } as unknown as PeerCertificate)?.message,
    ).toMatch(/has no SANs$/);
  });
});
