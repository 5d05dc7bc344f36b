// When a server trusts several client CAs, a principal such as `cn: alice` matches a certificate
// for CN=alice from ANY of them: the second CA can issue alice's roles. A principal bound to its
// issuer (`issuer:` / `issuerFingerprint:`) cannot be borrowed so. These are the warnings that
// say where a policy relies on every trusted CA naming people the same way; `certrpc serve`
// logs them (once per policy or trust change) and `certrpc policy check` prints them.
import type { IssuingCa } from '../gate/issuing-ca';
import { describeSource, PolicyModel } from './policy-model';

export interface IssuerBindingWarning {
  message: string;
  fix: string;
}

const short = (ca: IssuingCa) => `"${ca.subject}" (${ca.fingerprint.slice(0, 11)}...)`;

/** What to warn about for this policy under these trusted client CAs; empty when nothing. */
export function issuerBindingWarnings(model: PolicyModel, trustedCas: readonly IssuingCa[]): IssuerBindingWarning[] {
  const warnings: IssuerBindingWarning[] = [];
  // The same CA listed twice (two --client-ca naming one file) is one CA.
  const trusted = trustedCas.filter((ca, i) => trustedCas.findIndex((c) => c.fingerprint === ca.fingerprint) === i);
  const unbound = model.roles.filter((r) => r.principals.some((p) => p.issuer === undefined && p.issuerFingerprint === undefined));
  if (trusted.length > 1 && unbound.length > 0) {
    const cas = `${trusted.length} client CAs are trusted (${trusted.map(short).join(', ')})`;
    const roles = unbound.map((r) => `${r.name}${r.source?.line ? ` (${describeSource(r.source)})` : ''}`).join(', ');
    warnings.push(
      model.format === 'a43'
        ? {
            message: `${cas}, and gRFC A43 policies cannot bind a principal to its issuer: any of them can issue a certificate that gets the principals of ${roles}`,
            fix: "trust only the CA that issues these identities (the server's client CAs), or write the policy in certrpc YAML and bind principals with issuer: or issuerFingerprint:",
          }
        : {
            message: `${cas}; principals of ${roles} are not bound to an issuer, so a certificate with a matching name from any of them gets those roles`,
            fix: 'add issuer: "SUBJECT" or issuerFingerprint: "SHA-256" (from certrpc cert inspect CA.crt) beside each principal, e.g. { cn: alice, issuer: "CN=certrpc CA" } (during a CA rotation both CAs are yours: the warning ends with ca retire)',
          },
    );
  }
  if (trusted.length === 0) return warnings;
  for (const role of model.roles) {
    for (const p of role.principals) {
      const where = `role ${role.name}${role.source?.line ? ` (${describeSource(role.source)})` : ''}`;
      if (p.issuer !== undefined) {
        const named = trusted.filter((ca) => ca.subject === p.issuer);
        if (named.length === 0)
          warnings.push({
            message: `${where}: issuer "${p.issuer}" is none of the trusted client CAs, so ${p.field} "${p.pattern}" can never match`,
            fix: `trusted: ${trusted.map((ca) => `"${ca.subject}"`).join(', ')}`,
          });
        else if (named.length > 1 && p.issuerFingerprint === undefined) {
          warnings.push({
            message: `${where}: issuer "${p.issuer}" names ${named.length} trusted CAs (${named.map(short).join(', ')}), and binds ${p.field} "${p.pattern}" to all of them`,
            fix: 'bind it with issuerFingerprint: to tell them apart',
          });
        }
      }
      if (p.issuerFingerprint !== undefined && !trusted.some((ca) => ca.fingerprint === p.issuerFingerprint)) {
        warnings.push({
          message: `${where}: issuerFingerprint ${p.issuerFingerprint} is none of the trusted client CAs, so ${p.field} "${p.pattern}" can never match`,
          fix: `trusted: ${trusted.map(short).join(', ')}`,
        });
      }
    }
  }
  return dedupe(warnings);
}

function dedupe(warnings: IssuerBindingWarning[]): IssuerBindingWarning[] {
  const seen = new Set<string>();
  return warnings.filter((w) => !seen.has(w.message) && seen.add(w.message));
}
