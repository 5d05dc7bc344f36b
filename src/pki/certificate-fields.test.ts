// Fields read with @peculiar/asn1-x509 for the path checks, on certificates assembled field by field
// (no signature needed: only the fields are read).
import { Certificate, Extension, Extensions, Name, TBSCertificate } from '@peculiar/asn1-x509';
import { asn1Name as dn } from '../../test/helpers/asn1-name';
import { isProxyCertificate, isSelfIssued } from './certificate-fields';

const CN = '2.5.4.3';
const O = '2.5.4.10';
const cert = (subject: Name, issuer: Name, extensions?: Extension[]) =>
  new Certificate({
    tbsCertificate: new TBSCertificate({ subject, issuer, ...(extensions ? { extensions: new Extensions(extensions) } : {}) }),
  });

describe('isSelfIssued: subject and issuer equal as OpenSSL compares them', () => {
  it.each([
    ['the same name', dn([[CN, 'Root']]), dn([[CN, 'Root']]), true],
    ['equal after case and whitespace folding', dn([[CN, ' ROOT ']]), dn([[CN, 'root']]), true],
    ['another name', dn([[CN, 'Root']]), dn([[CN, 'Issuing']]), false],
    ['one more RDN', dn([[O, 'Acme']], [[CN, 'Root']]), dn([[O, 'Acme']]), false],
    ['a UniversalString subject (read lossily)', dn([[CN, { universalString: 'Root' }]]), dn([[CN, 'Root']]), false],
    ['a UniversalString issuer', dn([[CN, 'Root']]), dn([[CN, { universalString: 'Root' }]]), false],
    ['both UniversalStrings that read alike', dn([[CN, { universalString: 'Root' }]]), dn([[CN, { universalString: 'Root' }]]), false],
  ])('%s: %s', (_what, subject, issuer, expected) => expect(isSelfIssued(cert(subject, issuer))).toBe(expected));
});

describe('isProxyCertificate: RFC 3820 proxyCertInfo, whatever its criticality', () => {
  const ext = (extnID: string, critical = false) => new Extension({ extnID, critical });
  it.each([
    ['no extensions at all', undefined, false],
    ['other extensions', [ext('2.5.29.19', true)], false],
    ['proxyCertInfo', [ext('2.5.29.19'), ext('1.3.6.1.5.5.7.1.14')], true],
    ['proxyCertInfo, critical', [ext('1.3.6.1.5.5.7.1.14', true)], true],
  ])('%s: %s', (_what, extensions, expected) =>
    expect(isProxyCertificate(cert(dn([[CN, 'a']]), dn([[CN, 'b']]), extensions))).toBe(expected),
  );
});
