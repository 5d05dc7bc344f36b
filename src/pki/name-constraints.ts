// RFC 5280 4.2.1.10 name constraints, as OpenSSL 3 checks them (crypto/x509/v3_ncons.c and
// check_name_constraints in x509_vfy.c), for certrpc's own path check (verify.ts): `cert verify`,
// `cert inspect` and the agent's pre-write check must not call "verified" a chain that every
// handshake refuses. The certificates are read with @peculiar/asn1-x509; no ASN.1 is decoded here.
// What certrpc cannot read exactly it refuses (fail closed), as OpenSSL refuses what it does not support.
import type { X509Certificate as NodeCertificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AttributeValue,
  Certificate,
  GeneralName,
  GeneralSubtree,
  id_ce_nameConstraints,
  id_ce_subjectAltName,
  NameConstraints,
  SubjectAlternativeName,
} from '@peculiar/asn1-x509';
import { extension, isSelfIssued, parsedCertificate } from './certificate-fields';
import { dnLine, nameAsInspected } from './distinguished-name';
import { commonNameAsHost, dnMatches, dnsMatches, emailMatches, ipMatches, Mismatch, uriMatches } from './name-match';

/** The failures, named as OpenSSL's X509_V_ERR_* codes. */
export type NameConstraintCode =
  | 'PERMITTED_VIOLATION'
  | 'EXCLUDED_VIOLATION'
  | 'SUBTREE_MINMAX'
  | 'UNSUPPORTED_CONSTRAINT_TYPE'
  | 'UNSUPPORTED_CONSTRAINT_SYNTAX'
  | 'UNSUPPORTED_NAME_SYNTAX'
  | 'UNSPECIFIED';

export interface NameConstraintProblem {
  code: NameConstraintCode;
  reason: string;
}

type NameType = keyof GeneralName;
const TYPE_WORDS: Partial<Record<NameType, string>> = {
  dNSName: 'DNS name',
  rfc822Name: 'email address',
  uniformResourceIdentifier: 'URI',
  iPAddress: 'IP address',
  directoryName: 'directory name',
};
const EMAIL_ADDRESS_OID = '1.2.840.113549.1.9.1';
const COMMON_NAME_OID = '2.5.4.3';
/** An internationalized mailbox SAN (RFC 8398), which email constraints apply to as well. */
const SMTP_UTF8_MAILBOX_OID = '1.3.6.1.5.5.7.8.9';
const NAME_CHECK_MAX = 1 << 20;

/** One name of a certificate, in the shape its constraints have. */
interface CertName {
  type: NameType;
  /** As printed in a refusal. */
  text: string;
  name: GeneralName;
  /** A name OpenSSL refuses to judge whatever the constraints (an emailAddress that is not an IA5String). */
  malformed?: true;
}

/** The type a GeneralName holds (exactly one field is set). */
function typeOf(name: GeneralName): NameType {
  return (Object.keys(name) as NameType[]).find((k) => name[k] !== undefined) ?? 'otherName';
}

function matchOne(name: CertName, base: GeneralName): true | Mismatch {
  let result: boolean | Mismatch;
  switch (name.type) {
    case 'dNSName':
      result = dnsMatches(name.name.dNSName!, base.dNSName!);
      break;
    case 'rfc822Name':
      // An SmtpUTF8Mailbox otherName, which OpenSSL matches with its own rules (nc_email_eai): not judged here.
      if (name.name.rfc822Name === undefined) return 'UNSUPPORTED_CONSTRAINT_TYPE';
      result = emailMatches(name.name.rfc822Name, base.rfc822Name!);
      break;
    case 'uniformResourceIdentifier':
      result = uriMatches(name.name.uniformResourceIdentifier!, base.uniformResourceIdentifier!);
      break;
    case 'iPAddress':
      result = ipMatches(name.name.iPAddress!, base.iPAddress!);
      break;
    case 'directoryName':
      result = dnMatches(name.name.directoryName!, base.directoryName!);
      break;
    default:
      return 'UNSUPPORTED_CONSTRAINT_TYPE';
  }
  return result === true ? true : result === false ? 'PERMITTED_VIOLATION' : result;
}

function baseText(base: GeneralName): string {
  const type = typeOf(base);
  return type === 'directoryName' ? nameAsInspected(base.directoryName!) : String(base[type]);
}

/** nc_match for one name against one CA's constraints: permitted first, then excluded. */
function checkName(name: CertName, constraints: NameConstraints, caName: string, certName: string): NameConstraintProblem | undefined {
  const words = TYPE_WORDS[name.type] ?? name.type;
  // An otherName constraint applies to otherNames of its own type-id only (nc_match compares them).
  const sameType = (subtrees: GeneralSubtree[] | undefined) =>
    (subtrees ?? []).filter(
      (s) => typeOf(s.base) === name.type && (name.type !== 'otherName' || s.base.otherName?.typeId === name.name.otherName?.typeId),
    );
  const permitted = sameType(constraints.permittedSubtrees);
  const excluded = sameType(constraints.excludedSubtrees);
  for (const subtree of [...permitted, ...excluded]) {
    if (subtree.minimum !== 0 || subtree.maximum !== undefined)
      return { code: 'SUBTREE_MINMAX', reason: `CA "${caName}" has a name constraint with a minimum or maximum, which OpenSSL refuses` };
  }
  const unsupported = (code: Mismatch): NameConstraintProblem => ({
    code: code as NameConstraintCode,
    reason:
      code === 'UNSUPPORTED_NAME_SYNTAX'
        ? `${certName} has ${words} "${name.text}", which its CA's name constraints cannot be applied to (CA "${caName}")`
        : `CA "${caName}" has a ${words} constraint certrpc cannot check as OpenSSL does, and ${certName} has ${words} "${name.text}"`,
  });
  if (name.malformed) return unsupported('UNSUPPORTED_NAME_SYNTAX');
  if (permitted.length > 0) {
    let matched = false;
    for (const subtree of permitted) {
      const result = matchOne(name, subtree.base);
      if (result === true) {
        matched = true;
        break;
      }
      if (result !== 'PERMITTED_VIOLATION') return unsupported(result);
    }
    if (!matched)
      return {
        code: 'PERMITTED_VIOLATION',
        reason: `CA "${caName}" permits only the ${words}s ${permitted.map((s) => `"${baseText(s.base)}"`).join(', ')} (and names below them), and ${certName} has ${words} "${name.text}"`,
      };
  }
  for (const subtree of excluded) {
    const result = matchOne(name, subtree.base);
    if (result === true)
      return {
        code: 'EXCLUDED_VIOLATION',
        reason: `CA "${caName}" excludes the ${words} "${baseText(subtree.base)}" (and names below it), and ${certName} has ${words} "${name.text}"`,
      };
    if (result !== 'PERMITTED_VIOLATION') return unsupported(result);
  }
  return undefined;
}

/** A CN as OpenSSL's cn2dnsid reads it; 'malformed' also for a string type the library leaves raw (certrpc cannot read it as OpenSSL does). */
function hostLikeCommonName(value: AttributeValue): string | 'malformed' | undefined {
  return value.anyValue ? 'malformed' : commonNameAsHost(value.toString());
}

/** Every name OpenSSL checks in a certificate: its subject, the emailAddress in it, its SANs; for a leaf without DNS SANs, a host-like CN. */
function namesOf(cert: Certificate, isLeaf: boolean): CertName[] {
  const names: CertName[] = [];
  const subject = cert.tbsCertificate.subject;
  if (subject.length > 0)
    names.push({ type: 'directoryName', text: nameAsInspected(subject), name: new GeneralName({ directoryName: subject }) });
  for (const atv of subject.flat()) {
    if (atv.type === EMAIL_ADDRESS_OID) {
      const email = atv.value.toString();
      const name = new GeneralName({ rfc822Name: email });
      names.push(
        atv.value.ia5String === undefined
          ? { type: 'rfc822Name', text: email, name, malformed: true }
          : { type: 'rfc822Name', text: email, name },
      );
    }
  }
  const sans = extension(cert, id_ce_subjectAltName, SubjectAlternativeName)?.value ?? [];
  for (const san of sans) {
    if (san.otherName?.typeId === SMTP_UTF8_MAILBOX_OID) {
      names.push({ type: 'rfc822Name', text: 'an SmtpUTF8Mailbox name', name: san });
      continue;
    }
    const type = typeOf(san);
    const text = type === 'directoryName' ? nameAsInspected(san.directoryName!) : String(san[type]);
    names.push({ type, text, name: san });
  }
  if (isLeaf && !sans.some((san) => typeOf(san) === 'dNSName')) {
    for (const atv of subject.flat()) {
      const host = atv.type === COMMON_NAME_OID ? hostLikeCommonName(atv.value) : undefined;
      if (host === 'malformed')
        names.push({ type: 'dNSName', text: `CN=${atv.value.toString()}`, name: new GeneralName({ dNSName: '' }), malformed: true });
      else if (host) names.push({ type: 'dNSName', text: host, name: new GeneralName({ dNSName: host }) });
    }
  }
  return names;
}

/** The constraints of a CA, or a refusal when the library would read them other than as written (a non-contiguous IP mask). */
function constraintsOf(ca: Certificate, caName: string): NameConstraints | NameConstraintProblem | undefined {
  const found = extension(ca, id_ce_nameConstraints, NameConstraints);
  if (!found) return undefined;
  if (!Buffer.from(AsnConvert.serialize(found.value)).equals(found.raw))
    return {
      code: 'UNSUPPORTED_CONSTRAINT_SYNTAX',
      reason: `CA "${caName}" has name constraints certrpc cannot read exactly as written (an IP address mask that is not a prefix, or a subtree minimum written out)`,
    };
  return found.value;
}

/**
 * Checks `path` (the leaf, then its CAs up to the anchor) as OpenSSL does: every certificate below a
 * CA with name constraints must satisfy them, except self-issued intermediates.
 */
export function nameConstraintsProblem(path: readonly NodeCertificate[]): NameConstraintProblem | undefined {
  try {
    return checkPath(path);
  } catch (err) {
    // A certificate or constraint the library cannot read (an IP constraint of 33 bytes...): refused, never passed.
    return {
      code: 'UNSUPPORTED_CONSTRAINT_SYNTAX',
      reason: `certrpc cannot read the names or name constraints of this path (${(err as Error).message}), so it cannot check them`,
    };
  }
}

function checkPath(path: readonly NodeCertificate[]): NameConstraintProblem | undefined {
  const certs = path.map(parsedCertificate);
  for (let j = 1; j < path.length; j++) {
    const caName = dnLine(path[j].subject);
    const constraints = constraintsOf(certs[j], caName);
    if (!constraints) continue;
    if (!(constraints instanceof NameConstraints)) return constraints;
    for (let i = 0; i < j; i++) {
      if (i > 0 && isSelfIssued(certs[i])) continue;
      const certName = `${i === 0 ? 'certificate' : 'CA'} "${dnLine(path[i].subject)}"`;
      const nameCount =
        certs[i].tbsCertificate.subject.flat().length +
        (extension(certs[i], id_ce_subjectAltName, SubjectAlternativeName)?.value.length ?? 0);
      const constraintCount = (constraints.permittedSubtrees?.length ?? 0) + (constraints.excludedSubtrees?.length ?? 0);
      // OpenSSL's bound on the work a hostile certificate can ask for (NAME_CHECK_MAX in v3_ncons.c).
      if (nameCount > 0 && constraintCount > NAME_CHECK_MAX / nameCount)
        return {
          code: 'UNSPECIFIED',
          reason: `${certName} has ${nameCount} names and CA "${caName}" ${constraintCount} name constraints: more pairs than OpenSSL checks (${NAME_CHECK_MAX})`,
        };
      for (const name of namesOf(certs[i], i === 0)) {
        const problem = checkName(name, constraints, caName, certName);
        if (problem) return problem;
      }
    }
  }
  return undefined;
}
