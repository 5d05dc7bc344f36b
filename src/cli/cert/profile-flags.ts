import { Profile } from '../../pki/profiles';
import { UsageError } from '../exit-codes';

/** Exactly one of --server / --client. */
export function profileOf(opts: { server?: boolean; client?: boolean }): Profile {
  if (opts.server && opts.client)
    throw new UsageError('--server and --client are exclusive', 'issue two certificates, one of each, if a process needs both roles');
  if (!opts.server && !opts.client) throw new UsageError('say what the certificate is for: --server or --client');
  return opts.server ? 'server' : 'client';
}
