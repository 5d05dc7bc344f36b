// Name constraints in certrpc's path check: what OpenSSL refuses to judge (min/max subtrees, a
// non-IA5 emailAddress, more than 2^20 name and constraint pairs), the words of each refusal, and
// which certificates are checked; on chains built by test/helpers/constrained-chain.ts.
import { GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints } from '@peculiar/asn1-x509';
import { asn1Name as dn } from '../../test/helpers/asn1-name';
import { dnsSubtree, permit, verifyUnderConstraints as pair } from '../../test/helpers/constrained-chain';
import { x509 } from './crypto';

describe('verifyCertificate: name constraints OpenSSL refuses to judge, and the words of a refusal', () => {
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
});
