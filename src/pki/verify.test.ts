// verifyCertificate: the checks `cert verify` and `doctor` report, on certificates made here.
import { X509Certificate } from 'node:crypto';
import { createCa, createIntermediateCa, loadSigningCa, SigningCa } from './ca';
import { issueCertificate } from './issue';
import { pemBlocks } from './pem';
import { parseSanList } from './subject-alt-names';
import { serialHex, verifyCertificate } from './verify';

const x = (pem: string) => new X509Certificate(pem);

describe('verifyCertificate', () => {
  let ca: SigningCa;
  let caCert: X509Certificate;
  let twin: SigningCa;
  let leaf: X509Certificate;
  let server: X509Certificate;
  const day = 86_400_000;
  beforeAll(async () => {
    const pair = await createCa({ commonName: 'verify CA' });
    ca = await loadSigningCa(pair.certPem, pair.keyPem);
    caCert = x(pair.certPem);
    const twinPair = await createCa({ commonName: 'verify CA' });
    twin = await loadSigningCa(twinPair.certPem, twinPair.keyPem);
    leaf = x((await issueCertificate(ca, { profile: 'client', commonName: 'alice' })).certPem);
    server = x((await issueCertificate(ca, { profile: 'server', commonName: 'srv', sans: parseSanList('DNS:srv') })).certPem);
  });

  it('a certificate of a trusted CA verifies, with its chain', () => {
    expect(verifyCertificate(leaf, [caCert])).toEqual({
      ok: true,
      code: 'OK',
      reason: 'chain verified to a trusted CA',
      chain: ['CN=alice', 'CN=verify CA'],
    });
    expect(verifyCertificate(leaf, [x(twin.certPem), caCert]).ok).toBe(true);
    // The CA itself, trusted, is its own chain.
    expect(verifyCertificate(caCert, [caCert])).toMatchObject({ ok: true, chain: ['CN=verify CA'] });
  });

  it('expiry and not-yet-valid, of the leaf and of the CA, at the time given', () => {
    const before = new Date(new Date(leaf.validFrom).getTime() - day);
    const after = new Date(new Date(leaf.validTo).getTime() + day);
    expect(verifyCertificate(leaf, [caCert], { now: before })).toEqual({
      ok: false,
      code: 'CERT_NOT_YET_VALID',
      reason: `certificate "CN=alice" is not valid before ${new Date(leaf.validFrom).toISOString()}`,
      chain: [],
    });
    expect(verifyCertificate(leaf, [caCert], { now: after })).toEqual({
      ok: false,
      code: 'CERT_HAS_EXPIRED',
      reason: `certificate "CN=alice" expired on ${new Date(leaf.validTo).toISOString()}`,
      chain: [],
    });
    expect(verifyCertificate(leaf, [caCert], { now: new Date(leaf.validTo) }).ok).toBe(true);
    expect(verifyCertificate(leaf, [caCert], { now: new Date(leaf.validFrom) }).ok).toBe(true);
    const caExpired = new Date(new Date(caCert.validTo).getTime() + day);
    // The leaf outlives nothing here, so check the CA with a leaf-valid time: the CA alone.
    expect(verifyCertificate(caCert, [caCert], { now: caExpired })).toMatchObject({ code: 'CERT_HAS_EXPIRED' });
  });

  it('revoked serials and the purpose (EKU)', () => {
    expect(verifyCertificate(leaf, [caCert], { revokedSerials: new Set([serialHex(leaf)]) })).toEqual({
      ok: false,
      code: 'CERT_REVOKED',
      reason: `certificate "CN=alice" (serial ${serialHex(leaf)}) is revoked`,
      chain: [],
    });
    expect(verifyCertificate(leaf, [caCert], { revokedSerials: new Set(['1']) }).ok).toBe(true);
    expect(verifyCertificate(leaf, [caCert], { purpose: 'client' }).ok).toBe(true);
    expect(verifyCertificate(leaf, [caCert], { purpose: 'server' })).toEqual({
      ok: false,
      code: 'INVALID_PURPOSE',
      reason: 'certificate "CN=alice" is not for server authentication (its extended key usage does not include serverAuth)',
      chain: [],
    });
    expect(verifyCertificate(server, [caCert], { purpose: 'server' }).ok).toBe(true);
    expect(verifyCertificate(server, [caCert], { purpose: 'client' }).code).toBe('INVALID_PURPOSE');
  });

  it('an untrusted issuer, and a trusted CA that only shares the issuer name, are named', () => {
    expect(verifyCertificate(leaf, [])).toEqual({
      ok: false,
      code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      reason: 'certificate "CN=alice" was issued by "CN=verify CA", which is not among the trusted CAs (none)',
      chain: ['CN=alice'],
    });
    // A CA of the same name but another key: not the issuer (its key identifier differs too).
    expect(verifyCertificate(leaf, [x(twin.certPem)])).toEqual({
      ok: false,
      code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      reason: 'certificate "CN=alice" was issued by "CN=verify CA", which is not among the trusted CAs ("CN=verify CA")',
      chain: ['CN=alice'],
    });
    expect(verifyCertificate(leaf, [server]).reason).toBe(
      'certificate "CN=alice" was issued by "CN=verify CA", which is not among the trusted CAs ("CN=srv")',
    );
  });

  it('serialHex: lower-case hex without leading zeros', () => {
    expect(serialHex(leaf)).toMatch(/^[1-9a-f][0-9a-f]*$/);
    expect(serialHex(leaf)).toBe(leaf.serialNumber.toLowerCase().replace(/^0+/, ''));
  });
});

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
    expect(verifyCertificate(leaf, [node(root.certPem)], { intermediates: [sent] })).toMatchObject({
      ok: true,
      chain: ['CN=leaf', 'CN=verify intermediate', 'CN=verify root'],
    });
    expect(verifyCertificate(leaf, [node(root.certPem)])).toMatchObject({ ok: false, code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' });
  });

  it('never takes a self-signed certificate from the chain file as the anchor', async () => {
    const fake = await createCa({ commonName: 'verify root' }); // same name, another key
    const fakeRoot = await loadSigningCa(fake.certPem, fake.keyPem);
    const fakeInter = await loadSigningCa(
      ...(Object.values(await createIntermediateCa(fakeRoot, { commonName: 'verify intermediate' })) as [string, string]),
    );
    const { certPem } = await issueCertificate(fakeInter, { profile: 'client', commonName: 'leaf' });
    const result = verifyCertificate(node(certPem), [node(root.certPem)], {
      intermediates: [node(fakeInter.certPem), node(fakeRoot.certPem)],
    });
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
    expect(verifyCertificate(leaf, [node(root.certPem)], { intermediates: [sent], revokedSerials: revoked })).toMatchObject({
      ok: false,
      code: 'CERT_REVOKED',
    });
  });
});
