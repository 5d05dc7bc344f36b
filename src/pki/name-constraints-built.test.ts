// Name constraints in certrpc's path check, on certificates `openssl req`/`x509` will not write
// (test/helpers/constrained-chain.ts). Each case is one where OpenSSL 3.0 refuses and a first
// version of name-constraints.ts said "verified" (found by a review against OpenSSL's source).
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AttributeValue, Extension, GeneralName, id_ce_nameConstraints, Name, OtherName } from '@peculiar/asn1-x509';
import { asn1Name as dn } from '../../test/helpers/asn1-name';
import { algorithm, exclude, keys, permit, validity, verifyUnderConstraints as pair } from '../../test/helpers/constrained-chain';
import { rawCertificate, universalStringName } from '../../test/helpers/raw-certificate';
import { x509 } from './crypto';
import { nameConstraintsProblem } from './name-constraints';
import { verifyCertificate } from './verify';

describe('verifyCertificate: name constraints where a first version passed what OpenSSL refuses', () => {
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

  it('a name in a UniversalString is not read as text (asn1js keeps 16 bits of each character: U+10047 reads as "G"): refused, as OpenSSL refuses it', () => {
    const O = '2.5.4.10';
    const constraints = permit(new GeneralName({ directoryName: dn([[O, 'Good']]) }));
    const nameConstraints = new Extension({
      extnID: id_ce_nameConstraints,
      critical: true,
      extnValue: new OctetString(AsnConvert.serialize(constraints)),
    });
    const root = rawCertificate(dn([['2.5.4.3', 'universal NC root']]), undefined, { ca: true, extensions: [nameConstraints] });
    const leaf = rawCertificate(universalStringName(O, '\u{10047}ood'), root);
    const dir = mkdtempSync(join(tmpdir(), 'certrpc-nc-universal-'));
    const file = (name: string, der: Buffer) => {
      writeFileSync(join(dir, name), new X509Certificate(der).toString());
      return join(dir, name);
    };
    const openssl = spawnSync('openssl', ['verify', '-CAfile', file('root.crt', root.der), file('leaf.crt', leaf.der)], {
      encoding: 'utf8',
    });
    rmSync(dir, { recursive: true });
    expect(`${openssl.stdout}${openssl.stderr}`).toMatch(/permitted subtree violation/);
    expect(verifyCertificate(new X509Certificate(leaf.der), [new X509Certificate(root.der)])).toMatchObject({
      ok: false,
      code: 'UNSUPPORTED_NAME_SYNTAX',
    });
  });
});
