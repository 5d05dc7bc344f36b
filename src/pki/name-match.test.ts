// One name against one name-constraint base, each rule of OpenSSL 3.0's v3_ncons.c on its edges
// (the whole check, against `openssl verify`, is name-constraints.test.ts).
import { asn1Name as dn } from '../../test/helpers/asn1-name';
import { canonicalRdns, commonNameAsHost, dnMatches, dnsMatches, emailMatches, ipMatches, uriMatches } from './name-match';

describe('nc_dns', () => {
  it.each([
    ['example.com', 'example.com', true],
    ['a.example.com', 'example.com', true],
    ['A.EXAMPLE.com', 'example.COM', true],
    ['badexample.com', 'example.com', false],
    ['example.com', 'a.example.com', false],
    ['a.example.com', '.example.com', true],
    ['example.com', '.example.com', false],
    ['xexample.com', '.example.com', false],
    ['anything', '', true],
    ['example.org', 'example.com', false],
  ])('%s under %s: %s', (dns, base, expected) => expect(dnsMatches(dns, base)).toBe(expected));
});

describe('nc_email', () => {
  it.each([
    ['a@example.com', 'example.com', true],
    ['a@EXAMPLE.com', 'example.com', true],
    ['a@x.example.com', 'example.com', false],
    ['a@x.example.com', '.example.com', true],
    ['a@example.com', '.example.com', false],
    ['.example.com', '.example.com', 'UNSUPPORTED_NAME_SYNTAX'],
    ['x.example.com', '.example.com', 'UNSUPPORTED_NAME_SYNTAX'],
    ['x.example.com', 'example.com', 'UNSUPPORTED_NAME_SYNTAX'],
    ['ops@example.com', 'ops@example.com', true],
    ['ops@Example.com', 'ops@example.com', true],
    ['Ops@example.com', 'ops@example.com', false],
    ['dev@example.com', 'ops@example.com', false],
    ['opss@example.com', 'ops@example.com', false],
    ['ops@example.org', 'ops@example.com', false],
    ['a@example.com', '@example.com', true],
    ['a@example.org', '@example.com', false],
    ['a@b@example.com', 'example.com', true],
    ['a.x@example.com', '.x@example.com', false],
    ['a@example.com', '', false],
    ['a@', '', true],
    ['@example.com', 'example.com', true],
    ['a\0b@example.com', 'a\0b@example.com', 'UNSUPPORTED_NAME_SYNTAX'],
    ['a\0b@example.com', 'acb@example.com', 'UNSUPPORTED_NAME_SYNTAX'],
    ['acb@example.com', 'a\0b@example.com', 'UNSUPPORTED_NAME_SYNTAX'],
    ['ab@example.com', 'a\0b@example.com', false],
  ])('%j under %j: %s', (email, base, expected) => expect(emailMatches(email, base)).toBe(expected));
});

describe('nc_uri', () => {
  it.each([
    ['spiffe://example.com/ns/a', 'example.com', true],
    ['HTTPS://Example.COM:8443/x', 'example.com', true],
    ['https://example.com', 'example.com', true],
    ['https://api.example.com/x', 'example.com', false],
    ['https://api.example.com/x', '.example.com', true],
    ['https://example.com/x', '.example.com', false],
    ['https://xexample.com/x', '.example.com', false],
    ['https://user@example.com/', 'example.com', false],
    ['://example.com', 'example.com', true],
    ['//example.com', 'example.com', 'UNSUPPORTED_NAME_SYNTAX'],
    ['https://.example.com/', '.example.com', false],
    ['https://api.example.org/x', '.example.com', false],
    ['example.com', 'example.com', 'UNSUPPORTED_NAME_SYNTAX'],
    ['urn:example.com', 'example.com', 'UNSUPPORTED_NAME_SYNTAX'],
    ['https:/example.com', 'example.com', 'UNSUPPORTED_NAME_SYNTAX'],
    ['file:///etc', 'example.com', 'UNSUPPORTED_NAME_SYNTAX'],
    ['https://:443/', 'example.com', 'UNSUPPORTED_NAME_SYNTAX'],
  ])('%s under %s: %s', (uri, base, expected) => expect(uriMatches(uri, base)).toBe(expected));
});

describe('nc_ip', () => {
  it.each([
    ['10.1.2.3', '10.0.0.0/8', true],
    ['11.0.0.1', '10.0.0.0/8', false],
    ['10.0.0.1', '10.0.0.1/32', true],
    ['10.0.0.2', '10.0.0.1/32', false],
    ['fd00::1', 'fd00::/16', true],
    ['fe00::1', 'fd00::/16', false],
    ['::ffff:10.0.0.1', '10.0.0.0/8', false],
    ['10.0.0.1', '::/0', false],
    ['10.0.0.1', '0.0.0.0/0', true],
    ['not an address', '10.0.0.0/8', 'UNSUPPORTED_NAME_SYNTAX'],
    ['10.0.0.1', '0a0000000000ff', 'UNSUPPORTED_CONSTRAINT_SYNTAX'],
    ['10.0.0.1', '10.0.0.0', 'UNSUPPORTED_CONSTRAINT_SYNTAX'],
    ['10.0.0.1', 'garbage/8', 'UNSUPPORTED_CONSTRAINT_SYNTAX'],
    ['10.0.0.1', '10.0.0.0/x8', 'UNSUPPORTED_CONSTRAINT_SYNTAX'],
    ['10.0.0.1', '10.0.0.0/8x', 'UNSUPPORTED_CONSTRAINT_SYNTAX'],
  ])('%s in %s: %s', (ip, base, expected) => expect(ipMatches(ip, base)).toBe(expected));
});

const O = '2.5.4.10';
const CN = '2.5.4.3';
const raw = { anyValue: new Uint8Array([0x12, 0x01, 0x31]).buffer };

describe('canonical names and nc_dn', () => {
  it('trims and collapses ASCII whitespace only, folds A-Z only, and keeps values of types the library leaves raw as bytes', () => {
    expect(canonicalRdns(dn([[O, ' \t Example \n\r Corp \v\f']]))).toEqual(canonicalRdns(dn([[O, 'example corp']])));
    expect(canonicalRdns(dn([[O, 'a\u00a0b']]))).not.toEqual(canonicalRdns(dn([[O, 'a b']])));
    expect(canonicalRdns(dn([[O, 'a b']]))).not.toEqual(canonicalRdns(dn([[O, 'ab']])));
    expect(canonicalRdns(dn([[O, 'a \t b']]))).toEqual(canonicalRdns(dn([[O, 'a b']])));
    expect(canonicalRdns(dn([[O, '\v\fAcme']]))).toEqual(canonicalRdns(dn([[O, 'acme']])));
    expect(canonicalRdns(dn([[O, 'a\vb']]))).toEqual(canonicalRdns(dn([[O, 'a b']])));
    expect(canonicalRdns(dn([[O, '\u00c9']]))).not.toEqual(canonicalRdns(dn([[O, '\u00e9']])));
    expect(canonicalRdns(dn([[O, { printableString: 'Acme' }]]))).toEqual(canonicalRdns(dn([[O, 'acme']])));
    expect(canonicalRdns(dn([[O, raw]]))).toEqual([JSON.stringify([JSON.stringify([O, 'raw', '120131'])])]);
    expect(canonicalRdns(dn([[O, '1']]))).not.toEqual(canonicalRdns(dn([[O, raw]])));
  });

  it('writes no canonical form for a name with a UniversalString value (asn1js decodes it lossily)', () => {
    expect(canonicalRdns(dn([[O, 'Acme']], [[CN, { universalString: 'x' }]]))).toBeUndefined();
    expect(
      canonicalRdns(
        dn([
          [O, 'Acme'],
          [CN, { universalString: 'x' }],
        ]),
      ),
    ).toBeUndefined();
    expect(canonicalRdns(dn([[O, { bmpString: 'Acme' }]]))).toEqual(canonicalRdns(dn([[O, 'acme']])));
  });

  it('one RDN per entry, its values as a set: a multi-valued RDN in any order, never equal to a value that spells one', () => {
    const two = dn([
      [O, 'a'],
      [CN, 'b'],
    ]);
    const swapped = dn([
      [CN, 'b'],
      [O, 'a'],
    ]);
    expect(canonicalRdns(two)).toEqual(canonicalRdns(swapped));
    expect(canonicalRdns(two)).toHaveLength(1);
    expect(canonicalRdns(dn([[O, 'a+2.5.4.3=b']]))).not.toEqual(canonicalRdns(two));
    expect(canonicalRdns(dn([[O, 'a']], [[CN, 'b']]))).toHaveLength(2);
  });

  it.each([
    ['a prefix', dn([[O, 'Acme']], [[CN, 'x']]), dn([[O, 'acme']]), true],
    ['the whole name', dn([[O, 'Acme']]), dn([[O, 'Acme']]), true],
    ['an empty base', dn([[O, 'Acme']]), dn(), true],
    ['a base longer than the name', dn([[O, 'Acme']]), dn([[O, 'Acme']], [[CN, 'x']]), false],
    ['another first RDN', dn([[O, 'Evil']], [[CN, 'x']]), dn([[O, 'Acme']]), false],
    ['the base further in', dn([[CN, 'x']], [[O, 'Acme']]), dn([[O, 'Acme']]), false],
    ['a second RDN that differs', dn([[O, 'Acme']], [[CN, 'x']]), dn([[O, 'Acme']], [[CN, 'y']]), false],
    ['a raw value in the name', dn([[O, raw]]), dn([[O, 'Acme']]), 'UNSUPPORTED_NAME_SYNTAX'],
    ['a raw value in a later RDN of the name', dn([[O, 'Acme']], [[CN, raw]]), dn([[O, 'Acme']]), 'UNSUPPORTED_NAME_SYNTAX'],
    ['a raw value in the base', dn([[O, 'Acme']]), dn([[O, 'x']], [[CN, raw]]), 'UNSUPPORTED_CONSTRAINT_SYNTAX'],
    ['a UniversalString in the name', dn([[O, { universalString: 'Acme' }]]), dn([[O, 'Acme']]), 'UNSUPPORTED_NAME_SYNTAX'],
    ['a UniversalString in the base', dn([[O, 'Acme']]), dn([[O, { universalString: 'Acme' }]]), 'UNSUPPORTED_CONSTRAINT_SYNTAX'],
    [
      'a raw value beside a string in one RDN',
      dn([
        [O, 'Acme'],
        [CN, raw],
      ]),
      dn([[O, 'Acme']]),
      'UNSUPPORTED_NAME_SYNTAX',
    ],
  ])('%s: %s', (_what, name, base, expected) => expect(dnMatches(name, base)).toBe(expected));
});

describe('cn2dnsid', () => {
  it.each([
    ['www.example.com', 'www.example.com'],
    ['a.b', 'a.b'],
    ['my_host.example-1.com', 'my_host.example-1.com'],
    ['www.example.com\0\0', 'www.example.com'],
    ['alice', undefined],
    ['', undefined],
    ['\0', undefined],
    ['.example.com', undefined],
    ['example.com.', undefined],
    ['-a.com', undefined],
    ['a.com-', undefined],
    ['a..com', undefined],
    ['a-.com', undefined],
    ['a.-com', undefined],
    ['a b.com', undefined],
    ['a.b c', undefined],
    ['a\0b', 'malformed'],
    ['a.b\0c.com\0', 'malformed'],
  ])('%j: %s', (cn, expected) => expect(commonNameAsHost(cn)).toBe(expected));
});
