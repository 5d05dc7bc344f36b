import { Metadata } from '@grpc/grpc-js';
import { Command } from 'commander';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { ConnectDecision, decideConnect, formatTarget, parseConnectTarget } from '../../authz/connect-rules';
import { describeDecision } from '../../authz/decision';
import { identityFromCertificate, PeerIdentity } from '../../gate/peer-identity';
import { displaySan } from '../../pki/name-text';
import { loadPolicyFile } from '../../authz/policy-file';
import { describeSource } from '../../authz/policy-model';
import { methodPatternProblem } from '../../authz/policy-schema';
import { parseCertificate } from '../../pki/ca';
import { canonicalDistinguishedName, cnText, issuerAsInspected, issuerNameOf, subjectAsInspected } from '../../pki/distinguished-name';
import { PkiError } from '../../pki/errors';
import { decideWithLookup, TargetLookupError } from '../../proxy/target-lookup';
import { IssuingCa, normalizeFingerprint } from '../../gate/issuing-ca';
import { readUserFile } from '../../store/read-file';
import { status as Status } from '@grpc/grpc-js';
import { EXIT, ExitWith, UsageError } from '../exit-codes';
import { withHelp } from '../help';

export function policyExplainCommand(): Command {
  const cmd = new Command('explain')
    .description('show what a policy decides for a caller and a method: the decision, the roles found (and why), the rule that decided')
    .argument('<file>', 'policy file (certrpc YAML or gRFC A43 JSON)')
    .option('--cert <file>', 'the caller: a PEM client certificate')
    .option('--cn <name>', 'the caller: a certificate with just this common name')
    .option(
      '--issuer <ca>',
      'the caller\'s issuing CA, for principals bound with issuer:/issuerFingerprint: a CA certificate file, its subject ("CN=certrpc CA") or its SHA-256 fingerprint',
    )
    .option('--method <path>', 'the call: /package.Service/Method')
    .option(
      '--connect <host:port>',
      'instead of a call, a proxy tunnel: CONNECT HOST:PORT as certrpc proxy would decide it (connect: rules)',
    )
    .option('--header <key=value>', 'a request header (repeatable), for rules with header conditions', (v: string, prev: string[] = []) => [
      ...prev,
      v,
    ])
    .option('--json', 'print JSON')
    .action(
      (
        file: string,
        opts: { cert?: string; cn?: string; issuer?: string; method?: string; connect?: string; header?: string[]; json?: boolean },
      ) => {
        const caller = callerFrom(opts);
        if ((opts.method === undefined) === (opts.connect === undefined)) {
          throw new UsageError(
            'give exactly one of --method and --connect',
            'explain a call (--method /package.Service/Method) or a proxy tunnel (--connect HOST:PORT)',
          );
        }
        if (opts.connect !== undefined) return explainConnect(file, caller, opts.connect, Boolean(opts.json));
        if (opts.method === undefined) return;
        const method = methodFrom(opts.method);
        const metadata = headersFrom(opts.header ?? []);
        const policy = loadPolicyFile(file);
        const decision = policy.decide(caller, method, metadata);
        const grants = policy.grantsOf(caller);
        const rule = decision.rule;
        const message = describeDecision(decision, caller);
        if (opts.json) {
          console.log(
            JSON.stringify(
              {
                decision: decision.allowed ? 'allow' : 'deny',
                reason: decision.reason,
                method,
                roles: decision.roles,
                grants,
                rule: rule ? { name: rule.name, effect: rule.effect, source: describeSource(rule.source) } : null,
                message,
              },
              null,
              2,
            ),
          );
        } else {
          const roleLines =
            grants.length === 0
              ? ['(none: the certificate matches no role)']
              : grants.map((g) => `${g.role}  (${g.field} "${g.value}" matches "${g.pattern}"${boundTo(g)})`);
          console.log(
            [
              `decision: ${decision.allowed ? 'ALLOW' : 'DENY (the call would end with PERMISSION_DENIED)'}`,
              `caller:   ${describeCaller(caller)}`,
              `method:   ${method}`,
              `roles:    ${roleLines.join('\n          ')}`,
              `rule:     ${rule ? `${rule.effect} "${rule.name}" (${describeSource(rule.source) || 'built-in'})` : 'none matched: what is not allowed is denied'}`,
              `message:  ${message}`,
            ].join('\n'),
          );
        }
        if (!decision.allowed) throw new ExitWith(EXIT.GRPC_STATUS_BASE + Status.PERMISSION_DENIED);
      },
    );
  return withHelp(
    cmd,
    [
      'certrpc policy explain policy.yaml --cn bob --method /demo.v1.KeyValue/Put',
      'certrpc policy explain policy.yaml --cert certs/alice.crt --method /demo.v1.KeyValue/Delete',
      'certrpc policy explain policy.yaml --cn bob --method /billing.v1.Invoices/List --header x-tenant=acme',
      'certrpc policy explain policy.yaml --cn alice --connect 10.0.0.5:50051   # would certrpc proxy open this tunnel?',
      'certrpc policy explain policy.yaml --cert certs/alice.crt --issuer certs/ca.crt --method /demo.v1.KeyValue/Put   # principals bound to an issuer',
    ],
    `Exit codes:
  0        the policy allows the call
  1        error (unreadable or invalid policy, bad certificate)
  2        usage error (give exactly one of --cert and --cn; --method /package.Service/Method)
  71       the policy denies the call (64 + 7 PERMISSION_DENIED, as \`certrpc call\` would exit), or the tunnel`,
  );
}

/** --connect: the decision certrpc proxy would make (its 403 message when denied), on the same canonical target and resolved addresses. */
async function explainConnect(file: string, caller: PeerIdentity, text: string, json: boolean): Promise<void> {
  const target = parseConnectTarget(text);
  if ('problem' in target)
    throw new UsageError(
      `bad --connect "${text}": ${target.problem}`,
      'give HOST:PORT, e.g. --connect 10.0.0.5:50051 (the proxy answers 400 to this target)',
    );
  const policy = loadPolicyFile(file);
  let decision: ConnectDecision;
  try {
    decision = await decideWithLookup((addresses) => decideConnect(policy, caller, target, addresses), target);
  } catch (err) {
    if (!(err instanceof TargetLookupError)) throw err;
    throw new PkiError(
      `the rules would let ${describeCaller(caller)} tunnel to ${formatTarget(target)} by its addresses, but ${err.message} on this machine`,
      {
        fix: 'run explain where the proxy runs (it resolves names there), or give an address: --connect IP:PORT',
      },
    );
  }
  const addresses = target.kind === 'name' ? decision.resolved : [];
  if (json)
    console.log(
      JSON.stringify(
        {
          decision: decision.allowed ? 'allow' : 'deny',
          connect: decision.target,
          addresses,
          connectTo: decision.connectTo,
          roles: decision.roles,
          grants: policy.grantsOf(caller),
          rule: decision.rule ?? null,
          message: decision.reason,
        },
        null,
        2,
      ),
    );
  else {
    console.log(
      [
        `decision: ${decision.allowed ? 'ALLOW (certrpc proxy opens the tunnel)' : 'DENY (certrpc proxy answers 403)'}`,
        `caller:   ${describeCaller(caller)}`,
        `connect:  ${decision.target}${addresses.length ? ` (resolves here to ${addresses.join(', ')})` : ''}`,
        ...(decision.allowed ? [`to:       ${decision.connectTo.join(', ')}`] : []),
        `roles:    ${decision.roles.length ? decision.roles.join(', ') : '(none: the certificate matches no role)'}`,
        `rule:     ${decision.rule ?? 'none matched: what is not allowed is denied'}`,
        `message:  ${decision.reason}`,
      ].join('\n'),
    );
  }
  if (!decision.allowed) throw new ExitWith(EXIT.GRPC_STATUS_BASE + Status.PERMISSION_DENIED);
}

function callerFrom(opts: { cert?: string; cn?: string; issuer?: string }): PeerIdentity {
  if ((opts.cert === undefined) === (opts.cn === undefined)) {
    throw new UsageError(
      'give exactly one of --cert and --cn',
      'name the caller: --cert certs/bob.crt (all its fields) or --cn bob (a certificate with only that CN)',
    );
  }
  if (opts.cn !== undefined) {
    const issuingCa = opts.issuer === undefined ? undefined : issuerFrom(opts.issuer);
    return {
      commonName: opts.cn,
      sans: [],
      dnsNames: [],
      uris: [],
      ips: [],
      emails: [],
      serial: '',
      fingerprint: `cn:${opts.cn}`,
      issuer: issuingCa?.subject ?? '',
      issuingCa,
      notAfter: new Date(NaN),
      subject: `CN=${opts.cn}`,
    };
  }
  const pem = readUserFile(opts.cert!, 'certificate', '--cert');
  const cert = new X509Certificate(parseCertificate(pem, opts.cert).toString('pem'));
  // Without --issuer, the issuer the certificate names (a server accepts it only from a CA of that
  // subject); its fingerprint is unknown until --issuer gives the CA certificate.
  const issuingCa = opts.issuer === undefined ? { subject: issuerAsInspected(cert.raw), fingerprint: '' } : issuerFrom(opts.issuer, cert);
  return identityFromCertificate(cert, issuingCa);
}

/** --issuer: a fingerprint, a subject ("CN=..."), or a CA certificate file (which must have signed --cert). */
function issuerFrom(text: string, cert?: X509Certificate): IssuingCa {
  const fingerprint = normalizeFingerprint(text);
  if (fingerprint) return { subject: '', fingerprint };
  if (!existsSync(text) && text.includes('=')) {
    const subject = canonicalDistinguishedName(text);
    if (!subject)
      throw new UsageError(
        `bad --issuer "${text}": not a CA subject as certrpc prints it`,
        'copy the Subject line of `certrpc cert inspect CA.crt`, or give the CA certificate file',
      );
    return { subject, fingerprint: '' };
  }
  const ca = new X509Certificate(parseCertificate(readUserFile(text, 'CA certificate', '--issuer'), text).toString('pem'));
  if (cert && !(cert.checkIssued(ca) && cert.verify(ca.publicKey))) {
    throw new PkiError(`the certificate given with --cert was not signed by "${subjectAsInspected(ca.raw)}"`, {
      file: text,
      option: '--issuer',
      fix: 'give the CA certificate that issued it (certrpc cert inspect shows its Issuer)',
    });
  }
  // Named as the server names it, so explain decides as the server would.
  return { subject: issuerNameOf(ca.raw), fingerprint: ca.fingerprint256 };
}

function methodFrom(text: string): string {
  const method = text.startsWith('/') ? text : `/${text}`;
  if (method.includes('*') || methodPatternProblem(method)) {
    throw new UsageError(`bad --method "${text}"`, 'give one method as /package.Service/Method, e.g. --method /demo.v1.KeyValue/Get');
  }
  return method;
}

function headersFrom(pairs: string[]): Metadata {
  const metadata = new Metadata();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`bad --header "${pair}"`, 'write --header key=value, e.g. --header x-tenant=acme');
    metadata.add(pair.slice(0, eq).toLowerCase(), pair.slice(eq + 1));
  }
  return metadata;
}

function describeCaller(id: PeerIdentity): string {
  // Escaped: a DNS SAN "x, URI:spiffe://corp/user/admin" is one name, and must read as one.
  const parts = [id.commonName ? cnText(id.commonName) : '(no CN)', ...id.sans.map(displaySan)];
  const ca = id.issuingCa;
  const issuer = !ca
    ? 'issuer unknown (--issuer CA.crt checks principals bound to an issuer)'
    : `issued by "${ca.subject}"${ca.fingerprint ? ` (${ca.fingerprint})` : ' (fingerprint unknown: give --issuer CA.crt)'}`;
  return `${parts.join(', ')}; ${issuer}`;
}

function boundTo(g: { issuer?: string; issuerFingerprint?: string }): string {
  const parts = [
    g.issuer !== undefined ? `issuer "${g.issuer}"` : '',
    g.issuerFingerprint !== undefined ? `issuerFingerprint ${g.issuerFingerprint}` : '',
  ].filter(Boolean);
  return parts.length ? `, ${parts.join(' and ')}` : '';
}
