// A distinguished name built value by value with @peculiar/asn1-x509, for tests that need names
// openssl will not write (string types, NULs, multi-valued RDNs spelled out).
import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from '@peculiar/asn1-x509';

/** One RDN per inner array of [type OID, value]; a string value is a UTF8String, an object names its string type. */
export function asn1Name(...rdns: [string, string | Partial<AttributeValue>][][]): Name {
  return new Name(
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
}
