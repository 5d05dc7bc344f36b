// The small checks every certificate passes through: SANs as users and CSRs write them, validity
// bounds, the signing member of a rotated CA bundle, and how a PkiError describes itself.
import { X509Certificate } from 'node:crypto';
import { createCa, loadSigningCa } from './ca';
import { signingCertificateOf } from './ca-bundle';
import { x509 } from './crypto';
import { PkiError } from './errors';
import { issueCertificate } from './issue';
import { checkSan, formatSan, formatSanText, parseSan, parseSanList, sansOf, toGeneralNames } from './subject-alt-names';
import { validityFor } from './validity';

describe('subject alternative names', () => {
  it('parses TYPE:value lists, any case of TYPE, repeated flags, blanks skipped', () => {
    expect(parseSanList(['DNS:a.corp, ip:10.0.0.1', 'Uri:spiffe://corp/x,,EMAIL:ops@corp'])).toEqual([
      { type: 'DNS', value: 'a.corp' },
      { type: 'IP', value: '10.0.0.1' },
      { type: 'URI', value: 'spiffe://corp/x' },
      { type: 'email', value: 'ops@corp' },
    ]);
    expect(parseSanList(undefined)).toEqual([]);
    expect(parseSanList('DNS:a.b.c, ,DNS:x.y')).toEqual([
      { type: 'DNS', value: 'a.b.c' },
      { type: 'DNS', value: 'x.y' },
    ]);
    expect(parseSanList('DNS:*.corp,DNS:a_b.corp.,IP:::1')).toEqual([
      { type: 'DNS', value: '*.corp' },
      { type: 'DNS', value: 'a_b.corp.' },
      { type: 'IP', value: '::1' },
    ]);
    expect(formatSan({ type: 'URI', value: 'https://x' })).toBe('URI:https://x');
    expect(formatSanText({ type: 'DNS', value: 'x, URI:spiffe://corp/admin' })).toBe('DNS:"x\\u002c URI:spiffe://corp/admin"');
    expect(toGeneralNames(parseSanList('DNS:a,IP:1.2.3.4,URI:a://b,email:a@b'))).toEqual([
      { type: 'dns', value: 'a' },
      { type: 'ip', value: '1.2.3.4' },
      { type: 'url', value: 'a://b' },
      { type: 'email', value: 'a@b' },
    ]);
  });

  it('an IP SAN is issued as the address it names: IPv6 in canonical hex (an embedded IPv4 too), a zone id refused', async () => {
    expect(parseSanList('IP:::FFFF:10.0.0.1,IP:2001:DB8:0:0::1.2.3.4,IP:fe80::1,IP:10.0.0.1').map((s) => s.value)).toEqual([
      '::ffff:a00:1',
      '2001:db8::102:304',
      'fe80::1',
      '10.0.0.1',
    ]);
    const ca = await loadSigningCa(...(Object.values(await createCa({ commonName: 'ip CA' })) as [string, string]));
    const pair = await issueCertificate(ca, {
      profile: 'server',
      commonName: 'ip',
      sans: parseSanList('IP:::ffff:10.0.0.1,IP:2001:db8::1.2.3.4'),
    });
    const cert = new X509Certificate(pair.certPem);
    // OpenSSL reads the address text itself and compares the bytes: the certificate holds what was asked.
    expect(cert.checkIP('::ffff:10.0.0.1')).toBe('::ffff:10.0.0.1');
    expect(cert.checkIP('2001:db8::1.2.3.4')).toBe('2001:db8::1.2.3.4');
    expect(sansOf(new x509.X509Certificate(pair.certPem)).map((s) => s.value)).toEqual(['::ffff:a00:1', '2001:db8::102:304']);
    for (const entry of ['IP:fe80::1%eth0', 'IP:fe80::1%25']) {
      expect(() => parseSan(entry, 'sans')).toThrow(
        expect.objectContaining({ option: 'sans', code: 'BAD_SAN', message: expect.stringMatching(/zone/) }),
      );
    }
    expect(() => checkSan({ type: 'IP', value: 'fe80::1%1' }, { file: 'x.csr' })).toThrow(
      expect.objectContaining({ file: 'x.csr', code: 'CSR_BAD_SAN' }),
    );
  });

  it.each([
    ['api', 'bad subject alternative name "api": missing TYPE: prefix'],
    [':x', 'bad subject alternative name ":x": missing TYPE: prefix'],
    ['dir:CN=x', 'bad subject alternative name "dir:CN=x": unknown type "dir"'],
    ['DNS:', 'bad subject alternative name "DNS:": empty value'],
    ['DNS:a..b', 'bad subject alternative name "DNS:a..b": not a DNS name'],
    ['DNS:-a.corp', 'bad subject alternative name "DNS:-a.corp": not a DNS name'],
    [`DNS:${'a'.repeat(64)}`, `bad subject alternative name "DNS:${'a'.repeat(64)}": not a DNS name`],
    [`DNS:${Array.from({ length: 64 }, () => 'abc').join('.')}`, 'not a DNS name'],
    ['IP:10.0.0.256', 'bad subject alternative name "IP:10.0.0.256": not an IPv4 or IPv6 address'],
    ['URI:corp/x', 'bad subject alternative name "URI:corp/x": not an absolute URI (scheme://..., printable ASCII, no spaces)'],
    ['URI:a:// b', 'not an absolute URI'],
    ['email:ops', 'bad subject alternative name "email:ops": not an email address'],
    ['email:a@b@c', 'not an email address'],
    ['email:a b@c', 'not an email address'],
    ['email:a@b c', 'not an email address'],
    ['URI:a://b c', 'not an absolute URI'],
    ['URI:x a://b', 'not an absolute URI'],
  ])('refuses %s', (entry, message) => {
    let error: PkiError | undefined;
    try {
      parseSan(entry); // the option defaults to sans
    } catch (err) {
      error = err as PkiError;
    }
    expect(error?.message).toContain(message);
    expect(error?.option).toBe('sans');
    expect(error?.code).toBe('BAD_SAN');
    expect(error?.fix).toMatch(/^write TYPE:VALUE entries separated by commas/);
  });

  it('takes a DNS name of 253 characters, the most DNS allows, and refuses 254; a list names the option sans', () => {
    const labels = (last: number) => ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(last)].join('.');
    expect(labels(61)).toHaveLength(253);
    expect(parseSan(`DNS:${labels(61)}`)).toEqual({ type: 'DNS', value: labels(61) });
    expect(() => parseSan(`DNS:${labels(62)}`)).toThrow('not a DNS name');
    expect(() => parseSanList('DNS:a.corp,DNS:a..b')).toThrow(expect.objectContaining({ option: 'sans', code: 'BAD_SAN' }));
  });

  it('a CSR name that is not what its type says is refused with the fix for CSRs, quoted so it reads as one name', () => {
    expect(() => checkSan({ type: 'DNS', value: 'x, URI:spiffe://corp/admin' }, { file: 'a.csr' })).toThrow(
      expect.objectContaining({
        message: 'bad subject alternative name DNS:"x\\u002c URI:spiffe://corp/admin": not a DNS name',
        file: 'a.csr',
        code: 'CSR_BAD_SAN',
        fix: 'sign without acceptCsrNames and state the names as sans (TYPE:VALUE,...)',
      }),
    );
    expect(checkSan({ type: 'IP', value: '10.0.0.1' })).toEqual({ type: 'IP', value: '10.0.0.1' });
  });

  it('sansOf reads the names certrpc issues from a certificate, and none from one without SANs', async () => {
    const ca = await loadSigningCa(...(Object.values(await createCa({ commonName: 'san CA' })) as [string, string]));
    const leaf = await issueCertificate(ca, {
      profile: 'client',
      commonName: 'a',
      sans: parseSanList('DNS:a.corp,IP:10.0.0.1,URI:spiffe://corp/a,email:a@corp'),
    });
    expect(sansOf(new x509.X509Certificate(leaf.certPem)).map(formatSan)).toEqual([
      'DNS:a.corp',
      'IP:10.0.0.1',
      'URI:spiffe://corp/a',
      'email:a@corp',
    ]);
    expect(sansOf(new x509.X509Certificate(ca.certPem))).toEqual([]);
  });
});

describe('validity', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it('starts a minute in the past, ends DAYS later; refuses what is not 1..36500 days', () => {
    expect(validityFor(1, now)).toEqual({ notBefore: new Date('2025-12-31T23:59:00Z'), notAfter: new Date('2026-01-02T00:00:00Z') });
    expect(validityFor(36500, now).notAfter).toEqual(new Date(now.getTime() + 36500 * 86_400_000));
    for (const days of [0, -1, 36501, NaN, Infinity]) expect(() => validityFor(days, now)).toThrow(`invalid validity "${days}" days`);
    // Parsing "90", "13w"... is the one duration parser's (text/quantities.test.ts).
  });
});

describe('signingCertificateOf: in a rotated bundle, the member the key belongs to', () => {
  it('picks by key, not by position; a single certificate is itself; an unreadable key falls back to the first', async () => {
    const oldCa = await createCa({ commonName: 'old' });
    const newCa = await createCa({ commonName: 'new' });
    const bundle = `${newCa.certPem}${oldCa.certPem}`;
    expect(new X509Certificate(signingCertificateOf(bundle, oldCa.keyPem)).subject).toBe('CN=old');
    expect(new X509Certificate(signingCertificateOf(bundle, newCa.keyPem)).subject).toBe('CN=new');
    expect(signingCertificateOf(oldCa.certPem, newCa.keyPem)).toBe(oldCa.certPem);
    const stranger = await createCa({ commonName: 'stranger' });
    expect(new X509Certificate(signingCertificateOf(bundle, stranger.keyPem)).subject).toBe('CN=new');
    expect(new X509Certificate(signingCertificateOf(`${oldCa.certPem}${newCa.certPem}`, 'not a key')).subject).toBe('CN=old');
  });
});

describe('PkiError', () => {
  it('describes itself with the file or option first, and the fix on its own line', () => {
    expect(new PkiError('bad', { file: 'a.crt', option: 'days', fix: 'do y' }).describe()).toBe('a.crt: bad\n  fix: do y');
    expect(new PkiError('bad', { option: 'days' }).describe()).toBe('days: bad');
    expect(new PkiError('bad', { option: 'days' }).describe({ where: '--days', fix: 'use --days 90' })).toBe(
      '--days: bad\n  fix: use --days 90',
    );
    expect(new PkiError('bad').describe()).toBe('bad');
    const e = new PkiError('m', { fix: 'f' });
    expect([e.name, e.message, e.code, e.file, e.option, e.fix, e instanceof Error]).toEqual([
      'PkiError',
      'm',
      'PKI',
      undefined,
      undefined,
      'f',
      true,
    ]);
  });
});
