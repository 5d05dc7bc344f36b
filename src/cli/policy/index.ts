// `certrpc policy ...`: one line per verb; a verb's code is loaded only when it runs (../lazy-command.ts).
/* eslint-disable @typescript-eslint/no-require-imports -- required when run, not at start-up */
import { GroupEntry, leaf } from '../lazy-command';

export const policyGroup: GroupEntry = {
  name: 'policy',
  description: 'check authorization policies and explain their decisions',
  verbs: [
    leaf(
      'check [options] <file>',
      'validate an authorization policy (certrpc YAML or gRFC A43 JSON): every problem with its line and fix; warnings about principals any trusted client CA could match',
      () => require('./check').policyCheckCommand(),
    ),
    leaf(
      'explain [options] <file>',
      'show what a policy decides for a caller and a method: the decision, the roles found (and why), the rule that decided',
      () => require('./explain').policyExplainCommand(),
    ),
  ],
};
