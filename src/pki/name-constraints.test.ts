// Name constraints in certrpc's path check, judged against `openssl verify` on the same files: an
// intermediate CA with the constraints (made by openssl), a leaf under it with the names, and both
// verdicts must agree. Where certrpc cannot read a constraint exactly, it refuses (fail closed).
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { opensslSelfSigned, opensslSigned, OpensslFiles } from '../../test/helpers/openssl-pki';
import { tempDir } from '../../test/helpers/temp-dir';
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
