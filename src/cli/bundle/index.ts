// `certrpc bundle ...`: one line per verb; a verb's code is loaded only when it runs (../lazy-command.ts).
/* eslint-disable @typescript-eslint/no-require-imports -- required when run, not at start-up */
import { GroupEntry, leaf } from '../lazy-command';

export const bundleGroup: GroupEntry = {
  name: 'bundle',
  description: 'pack an identity (certificate, key, trusted CAs) into one file for another machine, and unpack it',
  verbs: [
    leaf(
      'export [options] <name>',
      "write NAME's certificate, private key and trusted CA certificate(s) into one file (0600); never a CA private key",
      () => require('./export').bundleExportCommand(),
    ),
    leaf(
      'extract [options] <file>',
      'write a bundle out as plain PEM files: DIR/ca.crt, DIR/NAME.crt and DIR/NAME.key (0600), as nginx, curl and openssl use them',
      () => require('./extract').bundleExtractCommand(),
    ),
  ],
};
