import { issuerBindingWarnings } from './issuer-binding';
import { parsePolicy } from './policy-file';

const A = { subject: 'CN=certrpc CA', fingerprint: `AA:${'00:'.repeat(30)}01` };
const B = { subject: 'CN=clients CA', fingerprint: `BB:${'00:'.repeat(30)}02` };
const yaml = (roles: string) => parsePolicy(`roles:\n${roles}\nrules: [{ roles: ["*"], methods: ["*"] }]\n`, 'p.yaml');

describe('issuer-binding warnings', () => {
  it('none with one trusted CA (listed twice is once), or when every principal is bound', () => {
    expect(issuerBindingWarnings(yaml('  r: [{ cn: alice }]'), [A, A])).toEqual([]);
    expect(issuerBindingWarnings(yaml('  r: [{ cn: alice, issuer: "CN=certrpc CA" }]'), [A, B])).toEqual([]);
  });

  it('several trusted CAs and an unbound principal: names the roles with their lines', () => {
    const [w, ...rest] = issuerBindingWarnings(yaml('  r: [{ cn: alice, issuer: "CN=certrpc CA" }]\n  s: [{ dns: "*.corp" }]'), [A, B]);
    expect(rest).toEqual([]);
    expect(w.message).toBe(
      `2 client CAs are trusted ("CN=certrpc CA" (AA:00:00:00...), "CN=clients CA" (BB:00:00:00...)); principals of s (p.yaml:3) are not bound to an issuer, so a certificate with a matching name from any of them gets those roles`,
    );
  });

  it('A43 policies cannot bind: the warning says what to do instead', () => {
    const model = parsePolicy('{"name": "p", "allow_rules": [{"name": "admins", "source": {"principals": ["CN=alice"]}}]}', 'p.json');
    const [w] = issuerBindingWarnings(model, [A, B]);
    expect(w.message).toMatch(
      /gRFC A43 policies cannot bind a principal to its issuer: any of them can issue a certificate that gets the principals of admins \(p\.json:1\)/,
    );
    expect(w.fix).toMatch(
      /trust only the CA that issues these identities \(the server's client CAs\), or write the policy in certrpc YAML/,
    );
  });

  it('a binding that names no trusted CA can never match', () => {
    const warnings = issuerBindingWarnings(
      yaml(`  r: [{ cn: alice, issuer: "CN=gone CA" }, { cn: bob, issuerFingerprint: "${'cc'.repeat(32)}" }]`),
      [A],
    );
    expect(warnings.map((w) => w.message)).toEqual([
      'role r (p.yaml:2): issuer "CN=gone CA" is none of the trusted client CAs, so cn "alice" can never match',
      `role r (p.yaml:2): issuerFingerprint ${'CC:'.repeat(31)}CC is none of the trusted client CAs, so cn "bob" can never match`,
    ]);
  });

  it('a role is unbound when any one of its principals is; a principal bound by fingerprint alone is bound', () => {
    const [w, ...rest] = issuerBindingWarnings(
      yaml(
        `  mixed: [{ cn: alice, issuer: "CN=certrpc CA" }, { cn: bob }]\n  byfp: [{ cn: carol, issuerFingerprint: "${A.fingerprint}" }]`,
      ),
      [A, B],
    );
    expect(rest).toEqual([]);
    expect(w.message).toMatch(/principals of mixed \(p\.yaml:2\) are not bound/);
    expect(w.fix).toMatch(/^add issuer: "SUBJECT" or issuerFingerprint: "SHA-256"/);
  });

  it('a fingerprint of any trusted CA is fine; the fix lists the trusted CAs', () => {
    expect(issuerBindingWarnings(yaml(`  r: [{ cn: alice, issuerFingerprint: "${B.fingerprint}" }]`), [A, B])).toEqual([]);
    const [w] = issuerBindingWarnings(yaml(`  r: [{ cn: alice, issuer: "CN=gone CA" }]`), [A, B]);
    expect(w.fix).toBe('trusted: "CN=certrpc CA", "CN=clients CA"');
  });

  it('an issuer name shared by two trusted CAs binds to both unless a fingerprint tells them apart', () => {
    const twin = { subject: A.subject, fingerprint: `DD:${'00:'.repeat(30)}03` };
    const [w, ...rest] = issuerBindingWarnings(yaml('  r: [{ cn: alice, issuer: "CN=certrpc CA" }]'), [A, twin]);
    expect(rest).toEqual([]);
    expect(w).toEqual({
      message:
        'role r (p.yaml:2): issuer "CN=certrpc CA" names 2 trusted CAs ("CN=certrpc CA" (AA:00:00:00...), "CN=certrpc CA" (DD:00:00:00...)), and binds cn "alice" to all of them',
      fix: 'bind it with issuerFingerprint: to tell them apart',
    });
    expect(
      issuerBindingWarnings(yaml(`  r: [{ cn: alice, issuer: "CN=certrpc CA", issuerFingerprint: "${twin.fingerprint}" }]`), [A, twin]),
    ).toEqual([]);
  });

  it('with no trusted CA known there is nothing to check bindings against: no warnings', () => {
    expect(
      issuerBindingWarnings(yaml(`  r: [{ cn: alice, issuer: "CN=gone CA" }, { cn: bob, issuerFingerprint: "${'cc'.repeat(32)}" }]`), []),
    ).toEqual([]);
  });

  it('the same warning twice is said once', () => {
    const warnings = issuerBindingWarnings(yaml('  r: [{ cn: alice, issuer: "CN=gone CA" }, { cn: alice, issuer: "CN=gone CA" }]'), [A]);
    expect(warnings.map((w) => w.message)).toEqual([
      'role r (p.yaml:2): issuer "CN=gone CA" is none of the trusted client CAs, so cn "alice" can never match',
    ]);
  });
});
