import { displaySans, parseSubjectAltNameText, quoteNameValue } from './name-text';
import { distinguishedNameText, escapeDnValue } from './distinguished-name';

describe('names as text', () => {
  it("reads Node's subjectAltName text exactly, quoted values included", () => {
    // What Node 20 prints for a certificate whose DNS SAN is "x, URI:spiffe://corp/user/admin".
    expect(parseSubjectAltNameText('DNS:"x\\u002c URI:spiffe://corp/user/admin", IP Address:127.0.0.1, URI:spiffe://corp/svc/a')).toEqual([
      'DNS:x, URI:spiffe://corp/user/admin',
      'IP:127.0.0.1',
      'URI:spiffe://corp/svc/a',
    ]);
    // Node before the \u002c escaping (and the format its docs allow): a literal ", " inside quotes is still one value.
    expect(parseSubjectAltNameText('DNS:"a, URI:spiffe://corp/user/admin", email:x@y')).toEqual([
      'DNS:a, URI:spiffe://corp/user/admin',
      'email:x@y',
    ]);
    expect(parseSubjectAltNameText('DirName:"CN=z\\\\\\u002c O=x", othername:<unsupported>, Registered ID:1.2.3')).toEqual([
      'DirName:CN=z\\, O=x',
      'othername:<unsupported>',
      'Registered ID:1.2.3',
    ]);
    expect(parseSubjectAltNameText(undefined)).toEqual([]);
    expect(parseSubjectAltNameText('')).toEqual([]);
  });

  it('refuses text Node would not write, rather than guess at names', () => {
    expect(() => parseSubjectAltNameText('DNS:"unterminated, URI:spiffe://x')).toThrow(/unterminated quoted value/);
    expect(() => parseSubjectAltNameText('DNS:"a"x, DNS:b')).toThrow(/expected ", " after a quoted value/);
    expect(() => parseSubjectAltNameText('DNS:a"b')).toThrow(/a quote inside an unquoted value/);
    expect(() => parseSubjectAltNameText('no type here')).toThrow(/no "TYPE:"/);
  });

  it('prints plain names as they are and quotes the ambiguous ones, so a list reads back the same', () => {
    const names = [
      'DNS:localhost',
      'IP:127.0.0.1',
      'DNS:x, URI:spiffe://corp/user/admin',
      'DNS:tab\there',
      "URI:it's",
      'email:"q"@x',
      'DNS:ünï',
    ];
    const text = displaySans(names);
    expect(text).toBe(
      'DNS:localhost, IP:127.0.0.1, DNS:"x\\u002c URI:spiffe://corp/user/admin", DNS:"tab\\there", URI:"it\'s", email:"\\"q\\"@x", DNS:"\\u00fcn\\u00ef"',
    );
    expect(parseSubjectAltNameText(text)).toEqual(names);
    expect(quoteNameValue('certrpc CA')).toBe('certrpc CA');
  });

  it('escapes distinguished name values (RFC 4514), so "x, O=Trusted" stays one value', () => {
    expect(escapeDnValue('x, O=Trusted')).toBe('x\\, O=Trusted');
    expect(escapeDnValue(' a+b;c<d>"e"\\ ')).toBe('\\ a\\+b\\;c\\<d\\>\\"e\\"\\\\\\ ');
    expect(escapeDnValue('#1\nx')).toBe('\\#1\\0Ax');
    expect(distinguishedNameText({ CN: ['a', 'b, O=c'], O: 'Acme' })).toBe('CN=a, CN=b\\, O=c, O=Acme');
  });
});
