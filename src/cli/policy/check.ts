import { Command } from 'commander';
import { loadPolicyFile } from '../../authz/policy-file';
import { PolicyError } from '../../authz/policy-error';
import { EXIT, ExitWith } from '../exit-codes';
import { withHelp } from '../help';

export function policyCheckCommand(): Command {
  const cmd = new Command('check')
    .description('validate an authorization policy (certrpc YAML or gRFC A43 JSON): every problem with its line and fix')
    .argument('<file>', 'policy file')
    .action((file: string) => {
      try {
        const policy = loadPolicyFile(file);
        const { model } = policy;
        const format = model.format === 'a43' ? 'gRFC A43 policy' : 'certrpc policy';
        console.log(`${file}: valid ${format} "${model.name}": ${model.roles.length} role(s), ${model.rules.length} rule(s); audit ${model.audit.mode ?? 'all'} -> ${model.audit.destination ?? 'stderr'}`);
      } catch (err) {
        if (!(err instanceof PolicyError)) throw err;
        console.error(err.message);
        console.error(`${file}: ${err.issues.length} problem(s); the policy is not valid and a server would refuse it`);
        throw new ExitWith(EXIT.ERROR);
      }
    });
  return withHelp(
    cmd,
    ['certrpc policy check policy.yaml', 'certrpc policy check authz-policy.json   # a gRFC A43 policy from Go/C++/Java gRPC'],
    `Exit codes:
  0        the policy is valid
  1        the policy is invalid (each problem is printed as FILE:LINE:COLUMN: field: problem, then the fix) or unreadable
  2        usage error (missing FILE, unknown flag)`,
  );
}
