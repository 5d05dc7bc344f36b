import { X509Certificate } from 'node:crypto';
import { createCa, createIntermediateCa, loadSigningCa, SigningCa } from './ca';
import { issueCertificate } from './issue';
import { pemBlocks } from './pem';
import { verifyCertificate } from './verify';

const node = (pem: string) => new X509Certificate(pem);

describe('verifyCertificate with intermediates from the chain file (openssl -untrusted)', () => {
  let root: SigningCa;
  let inter: SigningCa;
  beforeAll(async () => {
    const r = await createCa({ commonName: 'verify root' });
    root = await loadSigningCa(r.certPem, r.keyPem);
    const i = await createIntermediateCa(root, { commonName: 'verify intermediate' });
    inter = await loadSigningCa(i.certPem, i.keyPem, {}, i.certPem);
  });

  it('verifies leaf -> intermediate -> trusted root, and only with the intermediate given', async () => {
    const { certPem } = await issueCertificate(inter, { profile: 'client', commonName: 'leaf' });
    const [leaf, sent] = pemBlocks(certPem).map(node);
    expect(verifyCertificate(leaf, [node(root.certPem)], { intermediates: [sent] })).toMatchObject({ ok: true, chain: ['CN=leaf', 'CN=verify intermediate', 'CN=verify root'] });
    expect(verifyCertificate(leaf, [node(root.certPem)])).toMatchObject({ ok: false, code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' });
  });

  it('never takes a self-signed certificate from the chain file as the anchor', async () => {
    const fake = await createCa({ commonName: 'verify root' }); // same name, another key
    const fakeRoot = await loadSigningCa(fake.certPem, fake.keyPem);
    const fakeInter = await loadSigningCa(...(Object.values(await createIntermediateCa(fakeRoot, { commonName: 'verify intermediate' })) as [string, string]));
    const { certPem } = await issueCertificate(fakeInter, { profile: 'client', commonName: 'leaf' });
    const result = verifyCertificate(node(certPem), [node(root.certPem)], { intermediates: [node(fakeInter.certPem), node(fakeRoot.certPem)] });
    expect(result.ok).toBe(false);
    expect(result.code).toBe('CERT_SIGNATURE_FAILURE');
  });

  it('fails a path that never reaches a trusted CA, however long', async () => {
    const chain: X509Certificate[] = [];
    // Intermediates with pathLen 20 each: a chain longer than the walk's bound, under an untrusted root.
    const other = await createCa({ commonName: 'untrusted root' });
    let parent = await loadSigningCa(other.certPem, other.keyPem);
    for (let i = 0; i < 10; i++) {
      const next = await createIntermediateCa(parent, { commonName: `i${i}`, pathLength: 20 });
      parent = await loadSigningCa(next.certPem, next.keyPem);
      chain.unshift(node(next.certPem));
    }
    const { certPem } = await issueCertificate(parent, { profile: 'client', commonName: 'deep' });
    const result = verifyCertificate(node(certPem), [node(root.certPem)], { intermediates: chain });
    expect(result.ok).toBe(false);
  });

  it('refuses a chain through a revoked intermediate', async () => {
    const { certPem } = await issueCertificate(inter, { profile: 'client', commonName: 'leaf' });
    const [leaf, sent] = pemBlocks(certPem).map(node);
    const revoked = new Set([sent.serialNumber.toLowerCase().replace(/^0+/, '')]);
    expect(verifyCertificate(leaf, [node(root.certPem)], { intermediates: [sent], revokedSerials: revoked })).toMatchObject({ ok: false, code: 'CERT_REVOKED' });
  });
});
