import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createCa, loadSigningCa, SigningCa } from '../pki/ca';
import { exportPrivateKeyPem, generateKeyPair, signingAlgorithm, x509 } from '../pki/crypto';
import { issueCertificate } from '../pki/issue';
import { randomSerial } from '../pki/serial';
import { checkIssuedChain } from './issued-chain';
import { StepCaError } from './step-ca-error';

/** A CA:TRUE, pathlen 0 certificate signed by `root`, as step-ca's intermediate is. */
async function intermediateUnder(root: SigningCa, cn: string): Promise<SigningCa> {
  const keys = await generateKeyPair('ecdsa-p256');
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${cn}`,
    issuer: root.cert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3 * 86_400_000),
    publicKey: keys.publicKey,
    signingKey: root.key,
    signingAlgorithm: signingAlgorithm('ecdsa-p256'),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return loadSigningCa(cert.toString('pem'), await exportPrivateKeyPem(keys.privateKey));
}

async function signingRoot(cn: string): Promise<SigningCa> {
  const pair = await createCa({ commonName: cn });
  return loadSigningCa(pair.certPem, pair.keyPem);
}

function refusal(fn: () => unknown): StepCaError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StepCaError);
    return err as StepCaError;
  }
  throw new Error('expected a refusal');
}

describe('checkIssuedChain: what step-ca sends back is checked before it is used', () => {
  let root: SigningCa;
  let intermediate: SigningCa;
  let leaf: { certPem: string; keyPem: string };

  beforeAll(async () => {
    root = await signingRoot('root');
    intermediate = await intermediateUnder(root, 'intermediate');
    leaf = await issueCertificate(intermediate, {
      profile: 'server',
      commonName: 'svc',
      sans: [{ type: 'DNS', value: 'svc.test' }],
      days: 1,
    });
  });

  it('accepts leaf + intermediate under the root, for our key; the chain is what a peer presents', () => {
    const issued = checkIssuedChain(
      'signed certificate',
      [leaf.certPem, intermediate.certPem],
      root.certPem,
      createPrivateKey(leaf.keyPem),
    );
    expect(issued.leaf.subject).toBe('CN=svc');
    expect(issued.chainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(new X509Certificate(issued.certPem).raw.equals(new X509Certificate(leaf.certPem).raw)).toBe(true);
  });

  it('drops the root when the CA appends it (peers have it; sending it is noise)', () => {
    const issued = checkIssuedChain(
      'signed certificate',
      [leaf.certPem, intermediate.certPem, root.certPem],
      root.certPem,
      createPrivateKey(leaf.keyPem),
    );
    expect(issued.chainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });

  it('refuses a certificate for another key than ours', async () => {
    const other = await issueCertificate(intermediate, {
      profile: 'server',
      commonName: 'svc',
      sans: [{ type: 'DNS', value: 'svc.test' }],
      days: 1,
    });
    const err = refusal(() =>
      checkIssuedChain('signed certificate', [other.certPem, intermediate.certPem], root.certPem, createPrivateKey(leaf.keyPem)),
    );
    expect(err.reason).toBe('bad-response');
    expect(err.message).toMatch(/"CN=svc" is for another key than the one this host holds; nothing was written/);
  });

  it('refuses a chain that leads to another root', async () => {
    const elsewhere = await intermediateUnder(await signingRoot('another root'), 'intermediate');
    const stranger = await issueCertificate(elsewhere, {
      profile: 'server',
      commonName: 'svc',
      sans: [{ type: 'DNS', value: 'svc.test' }],
      days: 1,
    });
    const err = refusal(() =>
      checkIssuedChain('signed certificate', [stranger.certPem, elsewhere.certPem], root.certPem, createPrivateKey(stranger.keyPem)),
    );
    expect(err.message).toMatch(/"CN=intermediate" \(issued by "CN=another root"\) does not chain to the pinned root "CN=root"/);
  });

  it('refuses a leaf whose intermediate is missing, or not the one that signed it', async () => {
    const sibling = await intermediateUnder(root, 'intermediate');
    expect(
      refusal(() => checkIssuedChain('signed certificate', [leaf.certPem], root.certPem, createPrivateKey(leaf.keyPem))).message,
    ).toMatch(/does not chain to the pinned root/);
    // Same name, other key: the signature decides, not the name.
    expect(
      refusal(() => checkIssuedChain('signed certificate', [leaf.certPem, sibling.certPem], root.certPem, createPrivateKey(leaf.keyPem)))
        .message,
    ).toMatch(/is not signed by the next certificate of the chain/);
  });

  it('refuses a CA certificate as the leaf', () => {
    const err = refusal(() => checkIssuedChain('signed certificate', [intermediate.certPem], root.certPem, createPrivateKey(leaf.keyPem)));
    expect(err.message).toMatch(/"CN=intermediate" is a CA certificate, not a certificate for this host/);
  });

  it('refuses a leaf that is not valid now', async () => {
    const old = await issueCertificate(intermediate, {
      profile: 'server',
      commonName: 'svc',
      sans: [{ type: 'DNS', value: 'svc.test' }],
      validity: { notBefore: new Date(Date.now() - 7_200_000), notAfter: new Date(Date.now() - 3_600_000) },
    });
    const err = refusal(() =>
      checkIssuedChain('renewed certificate', [old.certPem, intermediate.certPem], root.certPem, createPrivateKey(old.keyPem)),
    );
    expect(err.message).toMatch(/step-ca's renewed certificate: "CN=svc" is not valid now/);
  });

  it('refuses what is not a certificate', () => {
    expect(refusal(() => checkIssuedChain('signed certificate', ['garbage'], root.certPem, createPrivateKey(leaf.keyPem))).reason).toBe(
      'bad-response',
    );
    expect(refusal(() => checkIssuedChain('signed certificate', [], root.certPem, createPrivateKey(leaf.keyPem))).message).toMatch(
      /holds no certificate/,
    );
  });
});
