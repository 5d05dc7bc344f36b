// Name constraints in certrpc's path check, judged against `openssl verify` on the same files: an
// intermediate CA with the constraints (made by openssl), a leaf under it with the names, and both
// verdicts must agree. Where certrpc cannot read a constraint exactly, it refuses (fail closed).
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { opensslSelfSigned, opensslSigned, OpensslFiles } from '../../test/helpers/openssl-pki';
import { tempDir } from '../../test/helpers/temp-dir';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AttributeTypeAndValue,
  AttributeValue,
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  id_ce_nameConstraints,
  Name,
  NameConstraints,
  OtherName,
  RelativeDistinguishedName,
} from '@peculiar/asn1-x509';
import { subtle, x509 } from './crypto';
import { nameConstraintsProblem } from './name-constraints';
import { verifyCertificate, VerifyResult } from './verify';

const CA = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash'];
const LEAF = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth,serverAuth'];

describe('verifyCertificate: name constraints, as openssl verify judges them', () => {
  const tmp = tempDir();
  let root: OpensslFiles;
  let n = 0;
  beforeAll(() => {
    root = opensslSelfSigned(tmp.dir, 'root', '/CN=nc root', { addext: CA });
  });
  afterAll(() => tmp.cleanup());

  /** An intermediate with `constraints` (extension lines, sections after them), a leaf with `subject` and `sans` under it; both verdicts. */
  function judge(constraints: string[], subject: string, sans: string[]): { ours: VerifyResult; opensslOk: boolean; openssl: string } {
    const dir = `${tmp.dir}/${++n}`;
    mkdirSync(dir);
    const [extension, ...sections] = constraints;
    const ca = opensslSigned(dir, 'ca', `/CN=constrained ${n}`, root, [...CA, 'authorityKeyIdentifier=keyid', extension, ...sections]);
    const leaf = opensslSigned(dir, 'leaf', subject, ca, [
      ...LEAF,
      'authorityKeyIdentifier=keyid',
      ...(sans.length ? [`subjectAltName=${sans.join(',')}`] : []),
    ]);
    const run = spawnSync('openssl', ['verify', '-CAfile', root.certFile, '-untrusted', ca.certFile, leaf.certFile], { encoding: 'utf8' });
    const ours = verifyCertificate(new X509Certificate(leaf.certPem), [new X509Certificate(root.certPem)], {
      intermediates: [new X509Certificate(ca.certPem)],
    });
    return { ours, opensslOk: run.status === 0, openssl: `${run.stdout}${run.stderr}` };
  }

  const dns = ['nameConstraints=critical,permitted;DNS:example.com'];
  it.each([
    ['a DNS name under a permitted domain', dns, '/CN=api', ['DNS:api.example.com'], 'OK'],
    ['the permitted domain itself', dns, '/CN=api', ['DNS:example.com'], 'OK'],
    ['a DNS name outside it', dns, '/CN=api', ['DNS:evil.com'], 'PERMITTED_VIOLATION'],
    ['a name that only ends with its letters', dns, '/CN=api', ['DNS:badexample.com'], 'PERMITTED_VIOLATION'],
    ['one good and one bad DNS name', dns, '/CN=api', ['DNS:api.example.com', 'DNS:evil.com'], 'PERMITTED_VIOLATION'],
    ['a DNS name of other case', dns, '/CN=api', ['DNS:API.Example.COM'], 'OK'],
    ['a leaf with no DNS name and a host-like CN outside it', dns, '/CN=svc.evil.com', ['URI:spiffe://x/y'], 'PERMITTED_VIOLATION'],
    ['a leaf with no DNS name and a CN that is no host name', dns, '/CN=alice', [], 'OK'],
    ['a host-like CN, when the leaf has a DNS name (the CN is not checked)', dns, '/CN=svc.evil.com', ['DNS:a.example.com'], 'OK'],
    [
      'a DNS name under an excluded subtree',
      ['nameConstraints=critical,excluded;DNS:bad.example.com'],
      '/CN=x',
      ['DNS:x.bad.example.com'],
      'EXCLUDED_VIOLATION',
    ],
    [
      'a DNS name beside an excluded subtree',
      ['nameConstraints=critical,excluded;DNS:bad.example.com'],
      '/CN=x',
      ['DNS:good.example.com'],
      'OK',
    ],
    ['an IP address in the permitted subnet', ['nameConstraints=critical,permitted;IP:10.0.0.0/255.0.0.0'], '/CN=x', ['IP:10.1.2.3'], 'OK'],
    [
      'an IP address outside it',
      ['nameConstraints=critical,permitted;IP:10.0.0.0/255.0.0.0'],
      '/CN=x',
      ['IP:11.0.0.1'],
      'PERMITTED_VIOLATION',
    ],
    [
      'an IPv4-mapped IPv6 address under an IPv4 subnet (another family to OpenSSL)',
      ['nameConstraints=critical,permitted;IP:10.0.0.0/255.0.0.0'],
      '/CN=x',
      ['IP:::ffff:10.0.0.1'],
      'PERMITTED_VIOLATION',
    ],
    ['an IPv6 address in a permitted prefix', ['nameConstraints=critical,permitted;IP:fd00::/ffff::'], '/CN=x', ['IP:fd00::1'], 'OK'],
    [
      'an IP address in an excluded subnet',
      ['nameConstraints=critical,excluded;IP:192.168.0.0/255.255.0.0'],
      '/CN=x',
      ['IP:192.168.7.7'],
      'EXCLUDED_VIOLATION',
    ],
    [
      'an email address under a permitted ".domain"',
      ['nameConstraints=critical,permitted;email:.example.com'],
      '/CN=x',
      ['email:a@x.example.com'],
      'OK',
    ],
    [
      'an email address at the domain itself (".domain" is below it only)',
      ['nameConstraints=critical,permitted;email:.example.com'],
      '/CN=x',
      ['email:a@example.com'],
      'PERMITTED_VIOLATION',
    ],
    ['a permitted mailbox', ['nameConstraints=critical,permitted;email:ops@example.com'], '/CN=x', ['email:ops@example.com'], 'OK'],
    [
      'another mailbox of the same host',
      ['nameConstraints=critical,permitted;email:ops@example.com'],
      '/CN=x',
      ['email:dev@example.com'],
      'PERMITTED_VIOLATION',
    ],
    [
      'an emailAddress in the subject, outside the permitted host',
      ['nameConstraints=critical,permitted;email:example.com'],
      '/CN=x/emailAddress=a@evil.com',
      [],
      'PERMITTED_VIOLATION',
    ],
    [
      'a URI whose host is under a permitted ".domain"',
      ['nameConstraints=critical,permitted;URI:.example.com'],
      '/CN=x',
      ['URI:spiffe://prod.example.com/ns/api'],
      'OK',
    ],
    [
      'a URI whose host is elsewhere',
      ['nameConstraints=critical,permitted;URI:.example.com'],
      '/CN=x',
      ['URI:spiffe://example.org/ns/api'],
      'PERMITTED_VIOLATION',
    ],
    [
      'a URI with a port, host exactly permitted',
      ['nameConstraints=critical,permitted;URI:api.example.com'],
      '/CN=x',
      ['URI:https://API.example.com:8443/x'],
      'OK',
    ],
    [
      'a subject under a permitted directory name',
      ['nameConstraints=critical,permitted;dirName:dir_sect', '[dir_sect]', 'O=Example'],
      '/O=example/CN=alice',
      [],
      'OK',
    ],
    [
      'a subject outside it',
      ['nameConstraints=critical,permitted;dirName:dir_sect', '[dir_sect]', 'O=Example'],
      '/O=Evil/CN=alice',
      [],
      'PERMITTED_VIOLATION',
    ],
    [
      'a subject under an excluded directory name',
      ['nameConstraints=critical,excluded;dirName:dir_sect', '[dir_sect]', 'O=Example', 'OU=Retired'],
      '/O=Example/OU=Retired/CN=old',
      [],
      'EXCLUDED_VIOLATION',
    ],
    [
      'names of a type the constraints do not name',
      ['nameConstraints=critical,permitted;DNS:example.com'],
      '/CN=x',
      ['IP:127.0.0.1', 'email:a@b.c'],
      'OK',
    ],
  ])('%s', (_what, constraints, subject, sans, expected) => {
    const { ours, opensslOk, openssl } = judge(constraints, subject, sans);
    expect({ code: ours.code, opensslOk }).toEqual({ code: expected, opensslOk: expected === 'OK' });
    if (expected === 'PERMITTED_VIOLATION') expect(openssl).toMatch(/permitted subtree violation/);
    if (expected === 'EXCLUDED_VIOLATION') expect(openssl).toMatch(/excluded subtree violation/);
  });

  it('names the CA, the rule and the name that broke it', () => {
    const { ours } = judge(dns, '/CN=api', ['DNS:evil.com']);
    expect(ours).toMatchObject({ ok: false, chain: [`CN=api`, `CN=constrained ${n}`, 'CN=nc root'] });
    expect(ours.reason).toBe(
      `CA "CN=constrained ${n}" permits only the DNS names "example.com" (and names below them), and certificate "CN=api" has DNS name "evil.com"`,
    );
    const dir = judge(['nameConstraints=critical,permitted;dirName:dir_sect', '[dir_sect]', 'O=Example'], '/O=Evil/CN=alice', []);
    expect(dir.ours.reason).toBe(
      `CA "CN=constrained ${n}" permits only the directory names "O=Example" (and names below them), and certificate "O=Evil, CN=alice" has directory name "O=Evil, CN=alice"`,
    );
  });

  it('refuses a constraint it cannot read exactly (an IP mask that is no prefix) rather than guess', () => {
    const { ours } = judge(['nameConstraints=critical,excluded;IP:10.1.0.0/255.0.255.0'], '/CN=x', ['IP:10.1.2.3']);
    expect(ours).toMatchObject({ ok: false, code: 'UNSUPPORTED_CONSTRAINT_SYNTAX' });
    expect(ours.reason).toContain(`CA "CN=constrained ${n}" has name constraints certrpc cannot read exactly`);
  });

  it('refuses an SmtpUTF8Mailbox name under email constraints (OpenSSL has rules of its own for it) rather than let it pass unchecked', () => {
    const { ours } = judge(['nameConstraints=critical,permitted;email:example.com'], '/CN=x', [
      'otherName:1.3.6.1.5.5.7.8.9;UTF8:user@evil.com',
    ]);
    expect(ours).toMatchObject({ ok: false, code: 'UNSUPPORTED_CONSTRAINT_TYPE' });
    expect(ours.reason).toContain('an SmtpUTF8Mailbox name');
    // Without email constraints, nothing applies to it.
    expect(judge(dns, '/CN=x', ['DNS:a.example.com', 'otherName:1.3.6.1.5.5.7.8.9;UTF8:user@evil.com']).ours).toMatchObject({ ok: true });
  });

  it('checks the constraints of the trust anchor too, on every certificate below it', () => {
    const dir = `${tmp.dir}/anchor`;
    mkdirSync(dir);
    const anchor = opensslSelfSigned(dir, 'root', '/CN=constrained root', {
      addext: [...CA, 'nameConstraints=critical,permitted;DNS:example.com'],
    });
    const ca = opensslSigned(dir, 'ca', '/CN=free intermediate', anchor, [...CA, 'authorityKeyIdentifier=keyid']);
    const leaf = opensslSigned(dir, 'leaf', '/CN=x', ca, [...LEAF, 'authorityKeyIdentifier=keyid', 'subjectAltName=DNS:evil.com']);
    const run = spawnSync('openssl', ['verify', '-CAfile', anchor.certFile, '-untrusted', ca.certFile, leaf.certFile], {
      encoding: 'utf8',
    });
    const ours = verifyCertificate(new X509Certificate(leaf.certPem), [new X509Certificate(anchor.certPem)], {
      intermediates: [new X509Certificate(ca.certPem)],
    });
    expect(run.status).not.toBe(0);
    expect(ours).toMatchObject({ ok: false, code: 'PERMITTED_VIOLATION' });
    expect(ours.reason).toContain('CA "CN=constrained root" permits only');
  });
});

// What openssl will not write: certificates built with @peculiar/x509, the constraints serialized by
// @peculiar/asn1-x509. The limits OpenSSL puts on what it judges hold here too.
describe('verifyCertificate: name constraints OpenSSL refuses to judge', () => {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  type NameInput = x509.JsonNameParams | string | Name;
  const validity = { notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000) };
  const keys = async () => (await subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  /** A constrained root (its constraints DER-encoded by asn1-x509, or raw bytes), optionally an intermediate, then the leaf. */
  async function pair(
    constraints: NameConstraints | ArrayBuffer,
    leaf: { name: NameInput; sans?: x509.JsonGeneralNames },
    options: { rootName?: string; middle?: { name: NameInput; sans?: x509.JsonGeneralNames } } = {},
  ) {
    const rootKeys = await keys();
    const root = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: options.rootName ?? 'CN=generated root',
      ...validity,
      keys: rootKeys,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
        new x509.Extension(
          id_ce_nameConstraints,
          true,
          constraints instanceof ArrayBuffer ? constraints : AsnConvert.serialize(constraints),
        ),
      ],
    });
    let issuer = { cert: root, keys: rootKeys };
    const intermediates: X509Certificate[] = [];
    if (options.middle) {
      const middleKeys = await keys();
      const middle = await x509.X509CertificateGenerator.create({
        serialNumber: '03',
        subject: new x509.Name(options.middle.name),
        issuer: root.subject,
        ...validity,
        publicKey: middleKeys.publicKey,
        signingKey: rootKeys.privateKey,
        signingAlgorithm: algorithm,
        extensions: [
          new x509.BasicConstraintsExtension(true, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
          ...(options.middle.sans ? [new x509.SubjectAlternativeNameExtension(options.middle.sans)] : []),
        ],
      });
      intermediates.push(new X509Certificate(middle.toString('pem')));
      issuer = { cert: middle, keys: middleKeys };
    }
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: '02',
      subject: new x509.Name(leaf.name),
      issuer: issuer.cert.subject,
      ...validity,
      publicKey: (await keys()).publicKey,
      signingKey: issuer.keys.privateKey,
      signingAlgorithm: algorithm,
      extensions: leaf.sans ? [new x509.SubjectAlternativeNameExtension(leaf.sans)] : [],
    });
    return verifyCertificate(new X509Certificate(cert.toString('pem')), [new X509Certificate(root.toString('pem'))], { intermediates });
  }
  const permit = (...names: GeneralName[]) =>
    new NameConstraints({ permittedSubtrees: new GeneralSubtrees(names.map((base) => new GeneralSubtree({ base }))) });
  const exclude = (...names: GeneralName[]) =>
    new NameConstraints({ excludedSubtrees: new GeneralSubtrees(names.map((base) => new GeneralSubtree({ base }))) });
  /** One RDN per [type, value] (a value given as an object names its string type); several in one inner array make a multi-valued RDN. */
  const dn = (...rdns: [string, string | Partial<AttributeValue>][][]) =>
    new Name(
      rdns.map(
        (rdn) =>
          new RelativeDistinguishedName(
            rdn.map(
              ([type, value]) =>
                new AttributeTypeAndValue({ type, value: new AttributeValue(typeof value === 'string' ? { utf8String: value } : value) }),
            ),
          ),
      ),
    );
  const dnsSubtree = (dNSName: string, extra: Partial<GeneralSubtree> = {}) =>
    new GeneralSubtree({ base: new GeneralName({ dNSName }), ...extra });

  it('a subtree with a maximum or a minimum (SUBTREE_MINMAX)', async () => {
    for (const extra of [{ maximum: 3 }, { minimum: 1 }]) {
      const result = await pair(new NameConstraints({ permittedSubtrees: new GeneralSubtrees([dnsSubtree('example.com', extra)]) }), {
        name: 'CN=x',
        sans: [{ type: 'dns', value: 'a.example.com' }],
      });
      expect(result).toMatchObject({ ok: false, code: 'SUBTREE_MINMAX' });
    }
  });

  it('an emailAddress in the subject that is not an IA5String, whatever the constraint says (UNSUPPORTED_NAME_SYNTAX)', async () => {
    const result = await pair(
      new NameConstraints({
        excludedSubtrees: new GeneralSubtrees([new GeneralSubtree({ base: new GeneralName({ rfc822Name: 'evil.com' }) })]),
      }),
      {
        name: [{ CN: ['x'] }, { '1.2.840.113549.1.9.1': [{ utf8String: 'a@example.com' }] }],
      },
    );
    expect(result).toMatchObject({ ok: false, code: 'UNSUPPORTED_NAME_SYNTAX' });
    expect(result.reason).toContain('email address "a@example.com"');
  });

  it('more name and constraint pairs than OpenSSL checks (2^20): refused before any is compared', async () => {
    const subtrees = Array.from({ length: 1100 }, (_, i) => dnsSubtree(`d${i}.example`));
    const sans = Array.from({ length: 1000 }, (_, i) => ({ type: 'dns' as const, value: `h${i}.d0.example` }));
    const result = await pair(new NameConstraints({ permittedSubtrees: new GeneralSubtrees(subtrees) }), { name: 'CN=x', sans });
    expect(result).toMatchObject({ ok: false, code: 'UNSPECIFIED' });
    expect(result.reason).toBe(
      'certificate "CN=x" has 1001 names and CA "CN=generated root" 1100 name constraints: more pairs than OpenSSL checks (1048576)',
    );
    const fewer = await pair(new NameConstraints({ permittedSubtrees: new GeneralSubtrees(subtrees.slice(0, 1000)) }), {
      name: 'CN=x',
      sans,
    });
    expect(fewer).toMatchObject({ ok: true });
  });
  it('email constraints as nc_email reads them: no "@" is no address, an empty base is an empty host, a dotted base with "@" is a mailbox', async () => {
    const email = (rfc822Name: string) => new GeneralName({ rfc822Name });
    expect(await pair(permit(email('.example.com')), { name: 'CN=x', sans: [{ type: 'email', value: 'x.example.com' }] })).toMatchObject({
      code: 'UNSUPPORTED_NAME_SYNTAX',
    });
    expect(await pair(permit(email('')), { name: 'CN=x', sans: [{ type: 'email', value: 'a@example.com' }] })).toMatchObject({
      code: 'PERMITTED_VIOLATION',
    });
    expect(await pair(exclude(email('')), { name: 'CN=x', sans: [{ type: 'email', value: 'a@example.com' }] })).toMatchObject({ ok: true });
    expect(
      await pair(permit(email('.x@example.com')), { name: 'CN=x', sans: [{ type: 'email', value: 'a.x@example.com' }] }),
    ).toMatchObject({
      code: 'PERMITTED_VIOLATION',
    });
    expect(
      await pair(permit(email('a\0b@example.com')), { name: 'CN=x', sans: [{ type: 'email', value: 'a\0b@example.com' }] }),
    ).toMatchObject({
      code: 'UNSUPPORTED_NAME_SYNTAX',
    });
    expect(await pair(permit(email('ab@example.com')), { name: 'CN=x', sans: [{ type: 'email', value: 'ab@EXAMPLE.com' }] })).toMatchObject(
      {
        ok: true,
      },
    );
  });

  it('folds A-Z only, as OpenSSL does: a Latin-1 letter of other case is another name', async () => {
    const result = await pair(permit(new GeneralName({ dNSName: '\u00e0.example.com' })), {
      name: 'CN=x',
      sans: [{ type: 'dns', value: '\u00c0.example.com' }],
    });
    expect(result).toMatchObject({ code: 'PERMITTED_VIOLATION' });
  });

  it("a leaf's CN with trailing NULs is judged without them; one with a NUL inside, or of a type the library leaves raw, is refused", async () => {
    const constraint = permit(new GeneralName({ dNSName: 'example.com' }));
    const cn = (value: Partial<AttributeValue>) => ({ name: dn([['2.5.4.3', value]]), sans: [{ type: 'ip' as const, value: '10.0.0.1' }] });
    expect(await pair(constraint, cn({ utf8String: 'www.evil.com\0\0' }))).toMatchObject({ code: 'PERMITTED_VIOLATION' });
    expect(await pair(constraint, cn({ utf8String: 'www.example.com\0' }))).toMatchObject({ ok: true });
    expect(await pair(exclude(new GeneralName({ rfc822Name: 'example.com' })), cn({ utf8String: 'a\0b' }))).toMatchObject({
      code: 'UNSUPPORTED_NAME_SYNTAX',
    });
    // NumericString (tag 0x12) "12.34": OpenSSL reads it as text; @peculiar/asn1-x509 leaves it raw.
    const numeric = cn({ anyValue: new Uint8Array([0x12, 0x05, ...Buffer.from('12.34')]).buffer });
    expect(await pair(constraint, numeric)).toMatchObject({ code: 'UNSUPPORTED_NAME_SYNTAX' });
  });

  it('directory names compare as OpenSSL canonicalizes them: ASCII case and spaces only, one RDN never equal to two', async () => {
    const org = (value: string) => dn([['2.5.4.10', value]]);
    const leaf = (name: Name) => ({ name, sans: [] });
    const withCn = (o: string) => dn([['2.5.4.10', o]], [['2.5.4.3', 'x']]);
    expect(await pair(permit(new GeneralName({ directoryName: org('example corp') })), leaf(withCn('  EXAMPLE \t Corp ')))).toMatchObject({
      ok: true,
    });
    expect(await pair(permit(new GeneralName({ directoryName: org('\u00e9cole') })), leaf(withCn('\u00c9cole')))).toMatchObject({
      code: 'PERMITTED_VIOLATION',
    });
    expect(await pair(permit(new GeneralName({ directoryName: org('kb') })), leaf(withCn('\u212Ab')))).toMatchObject({
      code: 'PERMITTED_VIOLATION',
    });
    expect(await pair(permit(new GeneralName({ directoryName: org('example corp') })), leaf(withCn('example\u00a0corp')))).toMatchObject({
      code: 'PERMITTED_VIOLATION',
    });
    const multiValued = dn([
      ['2.5.4.10', 'a'],
      ['2.5.4.3', 'b'],
    ]);
    expect(await pair(permit(new GeneralName({ directoryName: multiValued })), leaf(withCn('a+2.5.4.3=b')))).toMatchObject({
      code: 'PERMITTED_VIOLATION',
    });
    // A value the library leaves raw (a NumericString; a VisibleString, which OpenSSL canonicalizes, is read the same way) is not judged.
    const visible = dn([['2.5.4.10', { anyValue: new Uint8Array([0x12, 0x01, 0x31]).buffer }]]);
    expect(await pair(exclude(new GeneralName({ directoryName: org('a') })), leaf(visible))).toMatchObject({
      code: 'UNSUPPORTED_NAME_SYNTAX',
    });
    expect(await pair(exclude(new GeneralName({ directoryName: visible })), leaf(org('a')))).toMatchObject({
      code: 'UNSUPPORTED_CONSTRAINT_SYNTAX',
    });
  });

  it('an intermediate is skipped as self-issued only when OpenSSL would call its names equal', async () => {
    const constraint = permit(new GeneralName({ dNSName: 'example.com' }));
    const leaf = { name: 'CN=leaf', sans: [{ type: 'dns' as const, value: 'www.example.com' }] };
    const middle = (rootName: string, name: string) => ({
      rootName,
      middle: { name, sans: [{ type: 'dns' as const, value: 'evil.com' }] },
    });
    const unicode = await pair(constraint, leaf, middle('CN=\u00c9 Sub', 'CN=\u00e9 Sub'));
    expect(unicode).toMatchObject({ code: 'PERMITTED_VIOLATION' });
    expect(unicode.reason).toContain('CA "CN=\u00e9 Sub" has DNS name "evil.com"');
    expect(await pair(constraint, leaf, middle('CN=A Sub', 'CN=A\u00a0Sub'))).toMatchObject({ code: 'PERMITTED_VIOLATION' });
    expect(await pair(constraint, leaf, middle('CN=a, CN=b', 'CN=a\\,2.5.4.3=b'))).toMatchObject({ code: 'PERMITTED_VIOLATION' });
  });

  it('the self-issued rule itself: an intermediate whose names differ in ASCII case and spaces only is not checked (as OpenSSL skips it)', async () => {
    // verifyCertificate ends its walk at such a certificate (Node calls it issued by itself), so the path is given here as built.
    const rootKeys = await keys();
    const root = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'CN=A Sub',
      ...validity,
      keys: rootKeys,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.Extension(id_ce_nameConstraints, true, AsnConvert.serialize(permit(new GeneralName({ dNSName: 'example.com' })))),
      ],
    });
    const signed = async (subject: string, san: string, issuer: x509.X509Certificate, signingKey: CryptoKey) =>
      x509.X509CertificateGenerator.create({
        serialNumber: '02',
        subject,
        issuer: issuer.subject,
        ...validity,
        publicKey: (await keys()).publicKey,
        signingKey,
        signingAlgorithm: algorithm,
        extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: san }])],
      });
    const node = (c: x509.X509Certificate) => new X509Certificate(c.toString('pem'));
    const sameName = await signed('CN=a   SUB', 'evil.com', root, rootKeys.privateKey);
    const leaf = await signed('CN=leaf', 'www.example.com', sameName, rootKeys.privateKey);
    expect(nameConstraintsProblem([node(leaf), node(sameName), node(root)])).toBeUndefined();
    const otherName = await signed('CN=A Sub2', 'evil.com', root, rootKeys.privateKey);
    expect(nameConstraintsProblem([node(leaf), node(otherName), node(root)])).toMatchObject({ code: 'PERMITTED_VIOLATION' });
  });

  it('an otherName constraint binds otherNames of its own type only', async () => {
    const other = new GeneralName({
      otherName: new OtherName({ typeId: '1.2.3.4', value: AsnConvert.serialize(new AttributeValue({ utf8String: 'x' })) }),
    });
    expect(await pair(permit(other), { name: 'CN=x', sans: [{ type: 'upn', value: 'x@example.com' }] })).toMatchObject({ ok: true });
    expect(await pair(permit(other), { name: 'CN=x', sans: [{ type: 'id', value: '1.2.3.4' }] })).toMatchObject({ ok: true });
  });

  it('name constraints the library cannot read exactly are refused, not passed', async () => {
    // An iPAddress of 33 bytes, which OpenSSL loads (and refuses at verify) but @peculiar/asn1-x509
    // cannot write back: a dNSName of 33 characters with its tag turned from [2] into [7].
    const der = new Uint8Array(AsnConvert.serialize(permit(new GeneralName({ dNSName: 'x'.repeat(33) }))));
    der[der.indexOf(0x82)] = 0x87;
    const result = await pair(der.buffer, { name: 'CN=x', sans: [{ type: 'ip', value: '10.0.0.1' }] });
    expect(result).toMatchObject({ ok: false, code: 'UNSUPPORTED_CONSTRAINT_SYNTAX' });
    expect(result.reason).toMatch(/^certrpc cannot read the names or name constraints of this path \(.+\), so it cannot check them$/);
  });
});
