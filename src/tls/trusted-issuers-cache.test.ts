// TrustedIssuers remembers its answers by certificate fingerprint (a connection's certificate is
// looked up once, and a resumed session, which has no sent chain, gets the signer found at the full
// handshake), at most 10,000 of each kind (a bound the tests make small), the oldest forgotten first, so a stream of new client
// certificates cannot grow the process without bound. A remembered answer is told from a computed
// one by asking again under the same fingerprint with certificate bytes no trusted CA signed.
import { X509Certificate } from 'node:crypto';
import { DetailedPeerCertificate, PeerCertificate } from 'node:tls';
import { createCa, createIntermediateCa, loadSigningCa } from '../pki/ca';
import { issueCertificate } from '../pki/issue';
import { pemBlocks } from '../pki/pem';
import { TrustedIssuers } from './trusted-issuers';

const MAX_CACHED = 3; // the bound given to the constructor (10,000 by default)
const as = <T extends PeerCertificate>(cert: T, fingerprint256: string): T => ({ ...cert, fingerprint256 });
const legacy = (pem: string) => new X509Certificate(pem).toLegacyObject();
const none = () => undefined;

describe('TrustedIssuers: what it remembers, and how much', () => {
  let rootPem: string;
  let signedByRoot: PeerCertificate;
  let stranger: PeerCertificate;
  let viaIntermediate: DetailedPeerCertificate;
  let intermediate: { subject: string; fingerprint: string };
  beforeAll(async () => {
    const rootPair = await createCa({ commonName: 'cache root' });
    rootPem = rootPair.certPem;
    const root = await loadSigningCa(rootPair.certPem, rootPair.keyPem);
    const interPair = await createIntermediateCa(root, { commonName: 'cache intermediate' });
    const inter = await loadSigningCa(interPair.certPem, interPair.keyPem, {}, interPair.certPem);
    const other = await loadSigningCa(...(Object.values(await createCa({ commonName: 'cache other' })) as [string, string]));
    signedByRoot = legacy((await issueCertificate(root, { profile: 'client', commonName: 'alice' })).certPem);
    stranger = legacy((await issueCertificate(other, { profile: 'client', commonName: 'mallory' })).certPem);
    const [leaf, sent] = pemBlocks((await issueCertificate(inter, { profile: 'client', commonName: 'carol' })).certPem);
    // As Node links the chain a peer sent: the leaf, then its issuer (which ends the walk here).
    viaIntermediate = {
      ...legacy(leaf),
      issuerCertificate: { ...legacy(sent), issuerCertificate: undefined },
    } as unknown as DetailedPeerCertificate;
    intermediate = { subject: 'CN=cache intermediate', fingerprint: new X509Certificate(sent).fingerprint256 };
  });

  it('the trusted signer of a certificate: remembered by fingerprint, the bound at most, the oldest forgotten first', () => {
    const issuers = new TrustedIssuers(rootPem, MAX_CACHED);
    const rootCa = issuers.cas[0];
    expect(issuers.issuerOf(as(signedByRoot, 'first'), none)).toEqual(rootCa);
    expect(issuers.issuerOf(as(stranger, 'first'), none)).toEqual(rootCa); // remembered, not computed again
    for (let i = 1; i < MAX_CACHED; i++) issuers.issuerOf(as(signedByRoot, `n${i}`), none);
    expect(issuers.issuerOf(as(stranger, 'first'), none)).toEqual(rootCa); // as many as the bound: the first still is
    issuers.issuerOf(as(signedByRoot, `n${MAX_CACHED}`), none);
    expect(issuers.issuerOf(as(stranger, 'first'), none)).toBeUndefined(); // one more: the first was forgotten
    expect(issuers.issuerOf(as(stranger, `n${MAX_CACHED}`), none)).toEqual(rootCa);
  });

  it('the sent signer, for a resumed session (no chain): remembered by fingerprint, the bound at most, the oldest forgotten first', () => {
    const issuers = new TrustedIssuers(rootPem, MAX_CACHED);
    const fullHandshake = (fingerprint: string) =>
      issuers.issuerOf(as(viaIntermediate, fingerprint), () => as(viaIntermediate, fingerprint));
    const resumed = (fingerprint: string) => issuers.issuerOf(as(viaIntermediate, fingerprint), none);
    expect(resumed('first')).toBeUndefined(); // never seen in a full handshake: unknown
    expect(fullHandshake('first')).toEqual(intermediate);
    expect(resumed('first')).toEqual(intermediate);
    for (let i = 1; i < MAX_CACHED; i++) fullHandshake(`n${i}`);
    expect(resumed('first')).toEqual(intermediate);
    fullHandshake(`n${MAX_CACHED}`);
    expect(resumed('first')).toBeUndefined();
    expect(resumed(`n${MAX_CACHED}`)).toEqual(intermediate);
  });

  it('reads at most 10 certificates of the chain a peer sent: a signer sent 11th is not looked for', () => {
    const issuers = new TrustedIssuers(rootPem, MAX_CACHED);
    const sentAt = (position: number) => {
      const signer = viaIntermediate.issuerCertificate;
      let chain = { ...signer, issuerCertificate: undefined } as unknown as DetailedPeerCertificate;
      for (let i = 1; i < position; i++) chain = { ...stranger, issuerCertificate: chain } as unknown as DetailedPeerCertificate;
      return { ...viaIntermediate, issuerCertificate: chain } as DetailedPeerCertificate;
    };
    expect(issuers.issuerOf(as(viaIntermediate, 'tenth'), () => sentAt(10))).toEqual(intermediate);
    expect(issuers.issuerOf(as(viaIntermediate, 'eleventh'), () => sentAt(11))).toBeUndefined();
  });
});
