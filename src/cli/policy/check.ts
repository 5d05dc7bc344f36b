import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { issuerBindingWarnings } from '../../authz/issuer-binding';
import { loadPolicyFile } from '../../authz/policy-file';
import { ConfigError } from '../../text/config-error';
import { PkiDir } from '../../store/pki-dir';
import { loadTrustBundle } from '../../store/trust-bundle';
import { TrustedIssuers } from '../../tls/trusted-issuers';
import { EXIT, ExitWith } from '../exit-codes';
import { collect, defaultDir, withHelp } from '../help';

export function policyCheckCommand(): Command {
  const cmd = new Command('check')
    .description(
      'validate an authorization policy (certrpc YAML or gRFC A43 JSON): every problem with its line and fix; warnings about principals any trusted client CA could match',
    )
    .argument('<file>', 'policy file')
    .option('--dir <dir>', 'the client CAs a server would trust: DIR/ca.crt, as certrpc serve does (env CERTRPC_DIR)', defaultDir())
    .option('--client-ca <file>', 'the client CAs a server would trust, as serve --client-ca (repeatable; instead of DIR/ca.crt)', collect)
    .action((file: string, opts: { dir: string; clientCa?: string[] }) => {
      let policy;
      try {
        policy = loadPolicyFile(file);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        console.error(err.message);
        console.error(`${file}: ${err.issues.length} problem(s); the policy is not valid and a server would refuse it`);
        throw new ExitWith(EXIT.ERROR);
      }
      const { model } = policy;
      const format = model.format === 'a43' ? 'gRFC A43 policy' : 'certrpc policy';
      console.log(
        `${file}: valid ${format} "${model.name}": ${model.roles.length} role(s), ${model.rules.length} rule(s); audit ${model.audit.mode ?? 'all'} -> ${model.audit.destination ?? 'stderr'}`,
      );
      const trusted = trustedClientCas(opts, cmd.getOptionValueSource('dir') !== 'default');
      for (const w of issuerBindingWarnings(model, trusted)) console.error(`${file}: warning: ${w.message}\n  fix: ${w.fix}`);
    });
  return withHelp(
    cmd,
    [
      'certrpc policy check policy.yaml',
      'certrpc policy check authz-policy.json   # a gRFC A43 policy from Go/C++/Java gRPC',
      'certrpc policy check policy.yaml --client-ca certs/ca.crt --client-ca certs/cas/clients/ca.crt   # warns about principals not bound to an issuer',
    ],
    `Exit codes:
  0        the policy is valid (warnings, if any, on stderr)
  1        the policy is invalid (each problem is printed as FILE:LINE:COLUMN: field: problem, then the fix) or unreadable, or a CA file is
  2        usage error (missing FILE, unknown flag)`,
  );
}

/** The client CAs a server would trust: --client-ca files, else DIR/ca.crt (when there is one, or --dir was given). */
function trustedClientCas(opts: { dir: string; clientCa?: string[] }, dirGiven: boolean) {
  if (opts.clientCa) return new TrustedIssuers(loadTrustBundle(opts.clientCa, '--client-ca').pem).cas;
  const caFile = new PkiDir(opts.dir).caCertFile;
  if (!dirGiven && !existsSync(caFile)) return [];
  return new TrustedIssuers(loadTrustBundle([caFile], '--dir').pem).cas;
}
