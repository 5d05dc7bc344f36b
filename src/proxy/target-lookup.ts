// A name target is resolved ONCE, and only when its decision depends on the addresses (a caller no
// rule could allow never makes the proxy ask DNS anything). The decision is then made on those
// addresses, and the proxy connects to exactly the addresses it allowed: no second resolution that
// a DNS rebinding attack could answer differently. `certrpc policy explain --connect` uses the same path.
import { CertrpcError } from '../errors/certrpc-error';
import { lookup } from 'node:dns/promises';
import type { ConnectDecision, ConnectTarget } from '../authz/connect-rules';

/** Every address a name resolves to, in the resolver's order. */
export type AddressLookup = (name: string) => Promise<string[]>;

/** getaddrinfo (hosts file, DNS), every address of every family. Only ever given canonical names. */
export const systemLookup: AddressLookup = async (name) => (await lookup(name, { all: true, verbatim: true })).map((a) => a.address);

/** The name could not be resolved (the client gets 502 dns_error). */
export class TargetLookupError extends CertrpcError {
  constructor(
    readonly host: string,
    /** The resolver's code: ENOTFOUND, EAI_AGAIN... */
    code: string,
    cause: string,
  ) {
    super(`${host} does not resolve: ${cause}`, { code });
  }
}

/** decide(addresses?) is the policy's decision for the target; called once, or twice around one lookup. */
export async function decideWithLookup(
  decide: (addresses?: readonly string[]) => ConnectDecision,
  target: ConnectTarget,
  resolve: AddressLookup = systemLookup,
): Promise<ConnectDecision> {
  const first = decide();
  if (!first.needsAddresses) return first;
  let addresses: string[];
  try {
    addresses = await resolve(target.host);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new TargetLookupError(target.host, e.code ?? 'ENOTFOUND', e.message);
  }
  if (addresses.length === 0) throw new TargetLookupError(target.host, 'ENOTFOUND', 'no address');
  const decision = decide(addresses);
  // A decider that still wants addresses has not decided: that is a refusal.
  return decision.needsAddresses ? { ...decision, allowed: false, connectTo: [] } : decision;
}
