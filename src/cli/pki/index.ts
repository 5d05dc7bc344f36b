// `certrpc pki ...`: one line per verb; a verb's code is loaded only when it runs (../lazy-command.ts).
/* eslint-disable @typescript-eslint/no-require-imports -- required when run, not at start-up */
import { GroupEntry, leaf } from '../lazy-command';

export const pkiGroup: GroupEntry = {
  name: 'pki',
  description: 'create and manage certificate authorities',
  verbs: [
    leaf(
      'init [options]',
      'create a certificate authority: DIR/ca.crt and DIR/ca.key (0600), with --intermediate also an intermediate CA that issues (DIR/intermediate/), or with --name a further CA in DIR/cas/NAME/',
      () => require('./init').pkiInitCommand(),
    ),
  ],
};
