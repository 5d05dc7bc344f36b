// Name constraints in certrpc's path check, on certificates `openssl req`/`x509` will not write
// (odd string types, NULs, raw DER constraints), built with @peculiar/x509 and the constraints
// serialized by @peculiar/asn1-x509. Each case is one where OpenSSL 3.0 refuses (or cannot judge)
// and a first version of name-constraints.ts said "verified" (a review against OpenSSL's source).
import { X509Certificate } from 'node:crypto';
import { asn1Name as dn } from '../../test/helpers/asn1-name';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AttributeValue,
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  id_ce_nameConstraints,
  Name,
  NameConstraints,
  OtherName,
} from '@peculiar/asn1-x509';
import { subtle, x509 } from './crypto';
import { nameConstraintsProblem } from './name-constraints';
import { verifyCertificate } from './verify';

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

  it('more name and constraint pairs than OpenSSL checks (2^20, permitted and excluded together): refused before any is compared', async () => {
    // 1,024 names (the subject's CN and 1,023 SANs) against 1,024 constraints is exactly 2^20 pairs: checked.
    const sans = Array.from({ length: 1023 }, (_, i) => ({ type: 'dns' as const, value: `h${i}.d0.example` }));
    const constraints = (excluded: number) =>
      new NameConstraints({
        permittedSubtrees: new GeneralSubtrees(Array.from({ length: 1000 }, (_, i) => dnsSubtree(`d${i}.example`))),
        excludedSubtrees: new GeneralSubtrees(Array.from({ length: excluded }, (_, i) => dnsSubtree(`e${i}.example`))),
      });
    expect(await pair(constraints(24), { name: 'CN=x', sans })).toMatchObject({ ok: true });
    const result = await pair(constraints(25), { name: 'CN=x', sans });
    expect(result).toMatchObject({ ok: false, code: 'UNSPECIFIED' });
    expect(result.reason).toBe(
      'certificate "CN=x" has 1024 names and CA "CN=generated root" 1025 name constraints: more pairs than OpenSSL checks (1048576)',
    );
  });

  it('says which kind of name broke which rule, and why a name could not be judged', async () => {
    const refused = async (base: GeneralName, sans: x509.JsonGeneralNames) => (await pair(permit(base), { name: 'CN=x', sans })).reason;
    expect(await refused(new GeneralName({ rfc822Name: 'example.com' }), [{ type: 'email', value: 'a@evil.com' }])).toBe(
      'CA "CN=generated root" permits only the email addresss "example.com" (and names below them), and certificate "CN=x" has email address "a@evil.com"',
    );
    expect(
      await refused(new GeneralName({ uniformResourceIdentifier: 'example.com' }), [{ type: 'url', value: 'https://evil.com/' }]),
    ).toContain('permits only the URIs "example.com" (and names below them), and certificate "CN=x" has URI "https://evil.com/"');
    expect(await refused(new GeneralName({ iPAddress: '10.0.0.0/8' }), [{ type: 'ip', value: '11.0.0.1' }])).toContain(
      'permits only the IP addresss "10.0.0.0/8" (and names below them), and certificate "CN=x" has IP address "11.0.0.1"',
    );
    expect(
      await refused(new GeneralName({ dNSName: 'example.com' }), [
        { type: 'dn', value: 'CN=elsewhere' },
        { type: 'dns', value: 'evil.com' },
      ]),
    ).toContain('has DNS name "evil.com"');
    const dirSan = await pair(permit(new GeneralName({ directoryName: dn([['2.5.4.10', 'Acme']]) })), {
      name: [{ O: ['Acme'] }, { CN: ['x'] }],
      sans: [{ type: 'dn', value: 'O=Evil, CN=y' }],
    });
    expect(dirSan.reason).toContain('has directory name "O=Evil, CN=y"');
    expect(
      (await pair(permit(new GeneralName({ rfc822Name: 'example.com' })), { name: 'CN=x', sans: [{ type: 'email', value: 'nobody' }] }))
        .reason,
    ).toBe('certificate "CN=x" has email address "nobody", which its CA\'s name constraints cannot be applied to (CA "CN=generated root")');
    const nul = await pair(permit(new GeneralName({ dNSName: 'example.com' })), { name: dn([['2.5.4.3', 'a\0b']]), sans: [] });
    expect(nul).toMatchObject({ code: 'UNSUPPORTED_NAME_SYNTAX' });
    expect(nul.reason).toBe(
      'certificate "CN=a\\00b" has DNS name "CN=a\0b", which its CA\'s name constraints cannot be applied to (CA "CN=generated root")',
    );
    expect(
      (await pair(permit(new GeneralName({ iPAddress: '10.0.0.0/8' })), { name: 'CN=x', sans: [{ type: 'ip', value: '10.0.0.1' }] })).ok,
    ).toBe(true);
  });

  it("checks the leaf whatever its name (a leaf named as its CA is no self-issued intermediate) and a leaf's empty subject against nothing", async () => {
    const constraint = permit(new GeneralName({ dNSName: 'example.com' }));
    expect(await pair(constraint, { name: 'CN=generated root', sans: [{ type: 'dns', value: 'evil.com' }] })).toMatchObject({
      code: 'PERMITTED_VIOLATION',
    });
    const directory = permit(new GeneralName({ directoryName: dn([['2.5.4.10', 'Acme']]) }));
    // Node gives an empty subject as undefined: verifyCertificate once threw on it (TypeError in dnLine).
    expect(await pair(directory, { name: [], sans: [{ type: 'dns', value: 'a.example.com' }] })).toMatchObject({
      ok: true,
      chain: ['(empty name)', 'CN=generated root'],
    });
    expect(await pair(directory, { name: 'CN=x', sans: [{ type: 'dns', value: 'a.example.com' }] })).toMatchObject({
      code: 'PERMITTED_VIOLATION',
    });
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
