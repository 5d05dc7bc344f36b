// The patterns of `connect:` rules (connect-rules.ts), compiled into matchers. A pattern is "*" or
// HOST:PORT, PORT "*" or 1-65535; HOST is "*", an IP, a CIDR block, an IPv4 wildcard (10.0.0.*) or
// a host name (wildcards allowed). Patterns are read in canonical spellings only, as targets are
// (connect-target.ts): one that no canonical target can match is refused when the policy loads,
// since as a deny rule it would deny nothing.
import { BlockList, isIP } from 'node:net';
import { canonicalAddress, canonicalHost, isHostLabel, MAX_NAME, NUMERIC_LABEL, parsePort } from './connect-target';
import { hasWildcard, wildcardMatcher } from './wildcard';

type HostMatcher = { kind: 'any' } | { kind: 'name' | 'address'; matches: (host: string) => boolean };

interface CompiledPattern {
  host: HostMatcher;
  port?: number;
}

const FORMS = 'write e.g. "10.0.0.5:50051", "*.internal:443", "10.0.0.0/24:*", "[::1]:50051" or "*"';

/** Parses a pattern into its canonical matcher, or says what is wrong with it. */
function compilePattern(pattern: string): CompiledPattern | { problem: string } {
  if (pattern === '*') return { host: { kind: 'any' } };
  // Non-ASCII too: lower-casing would fold some of it into ASCII (the Kelvin sign into "k").
  if (/[%@]|[^\x21-\x7e]/.test(pattern)) return { problem: `"${pattern}" has %, @, spaces, control or non-ASCII characters; ${FORMS}` };
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):([^:]*)$/.exec(pattern);
  if (!m) return { problem: `"${pattern}" is not HOST:PORT (${FORMS})` };
  const [, v6, text, portText] = m;
  const port = parsePort(portText); // undefined for "*": any port
  if (portText !== '*' && port === undefined) return { problem: `"${pattern}": the port must be 1-65535 or *` };
  const host = hostMatcher(v6 ?? text, v6 !== undefined);
  return 'problem' in host ? { problem: `"${pattern}": ${host.problem}` } : { host, port };
}

function hostMatcher(text: string, bracketed: boolean): HostMatcher | { problem: string } {
  if (text.includes('/')) return cidrMatcher(text, bracketed);
  if (!bracketed && hasWildcard(text)) return wildcardHost(text.toLowerCase());
  const host = canonicalHost(text, bracketed);
  if ('problem' in host) return host;
  return { kind: host.kind === 'ip' ? 'address' : 'name', matches: (h) => h === host.host };
}

/** "10.0.0.*" matches IPv4 addresses as text; "*.internal" matches names; "*" anything. The dot before * is literal. */
function wildcardHost(pattern: string): HostMatcher | { problem: string } {
  const bare = pattern.endsWith('.') ? pattern.slice(0, -1) : pattern;
  if (bare === '*') return { kind: 'any' };
  if (/^[0-9.*]+$/.test(bare) && /[0-9]/.test(bare)) {
    if (!couldMatchIPv4(bare))
      return { problem: `"${pattern}" matches no IPv4 address: numbers 0-255 without leading zeros, at most four parts (e.g. 10.0.0.*)` };
    const matches = wildcardMatcher(bare);
    return { kind: 'address', matches: (h) => isIP(h) === 4 && matches(h) };
  }
  if (bare.length > MAX_NAME || !/^[a-z0-9*.-]+$/.test(bare) || !bare.split('.').every(couldBeLabel))
    return { problem: `"${pattern}" is not a host name, IP address, CIDR block or wildcard` };
  if (NUMERIC_LABEL.test(bare.split('.').pop() ?? ''))
    return { problem: `"${pattern}" ends in a number, which no host name does (IPv4 patterns: 10.0.0.* or 10.0.0.0/24)` };
  return { kind: 'name', matches: wildcardMatcher(bare) };
}

/** A label of a name wildcard: LDH, or with stars, whose literal ends are not "-" (no label starts or ends so). */
const couldBeLabel = (label: string): boolean => (label.includes('*') ? /^[a-z0-9*](?:.*[a-z0-9*])?$/.test(label) : isHostLabel(label));

const OCTET = /^(?:0|[1-9][0-9]{0,2})$/;

/**
 * Whether an IPv4 wildcard can match a canonical dotted quad, so that one written in another spelling
 * ("010.0.0.*", as a deny rule denying nothing) is refused. `*` may span dots but never removes one;
 * the digits before a part's first `*` begin a number, those after its last `*` end one.
 */
function couldMatchIPv4(pattern: string): boolean {
  const parts = pattern.split('.');
  const octet = (digits: string) => OCTET.test(digits) && Number(digits) <= 255;
  const ending = (digits: string) => digits.length < 3 || octet(digits);
  return (
    parts.length <= 4 &&
    parts.every((part) => {
      const pieces = part.split('*');
      if (pieces.length === 1) return octet(part);
      const [first, last] = [pieces[0], pieces[pieces.length - 1]];
      return (first === '' || octet(first)) && ending(last) && pieces.every((p) => p.length <= 3);
    })
  );
}

/** "10.0.0.0/24" or "[fd00::/8]"; an IPv4-mapped block ([::ffff:10.0.0.0/104]) is the IPv4 block, as mapped targets are IPv4 targets. */
function cidrMatcher(text: string, bracketed: boolean): HostMatcher | { problem: string } {
  const bad = { problem: `"${text}" is not a CIDR block (e.g. 10.0.0.0/24, [fd00::/8])` };
  const [net, bitsText, ...rest] = text.split('/');
  if (rest.length > 0 || !/^\d{1,3}$/.test(bitsText) || isIP(net) !== (bracketed ? 6 : 4) || Number(bitsText) > (bracketed ? 128 : 32))
    return bad;
  const address = canonicalAddress(net);
  if ('problem' in address) return { problem: `"${text}": ${address.problem}` };
  let bits = Number(bitsText);
  if (bracketed && address.family === 4) {
    if (bits < 96)
      return {
        problem: `"${text}" mixes IPv4-mapped and other IPv6 addresses: write the IPv4 block (e.g. 10.0.0.0/8) and the IPv6 one separately`,
      };
    bits -= 96;
  }
  const family = address.family === 4 ? 'ipv4' : 'ipv6';
  const block = new BlockList();
  block.addSubnet(address.host, bits, family);
  // Only addresses of the block's own family: BlockList would also match across the mapped range.
  return { kind: 'address', matches: (h) => isIP(h) === address.family && block.check(h, family) };
}

/** Why a connect pattern is wrong (undefined if right). Patterns: "*", HOST:PORT, HOST may hold * or be a CIDR, PORT may be *. */
export function connectPatternProblem(pattern: string): string | undefined {
  const compiled = compilePattern(pattern);
  return 'problem' in compiled ? compiled.problem : undefined;
}

export interface PatternMatcher {
  /** Matches the name a client asked for (NAME patterns and "*"). */
  name: (name: string, port: number) => boolean;
  /** Matches one canonical address (ADDRESS patterns and "*"). */
  address: (address: string, port: number) => boolean;
  /** Could match some address on this port (worth resolving a name for). */
  anyAddress: (port: number) => boolean;
}

/** Compiles a valid pattern (see connectPatternProblem) into a matcher. */
export function connectMatcher(pattern: string): PatternMatcher {
  const compiled = compilePattern(pattern);
  if ('problem' in compiled) throw new Error(compiled.problem);
  const { host, port } = compiled;
  const portOk = (p: number) => port === undefined || p === port;
  return {
    name: (n, p) => portOk(p) && (host.kind === 'any' || (host.kind === 'name' && host.matches(n))),
    address: (a, p) => portOk(p) && (host.kind === 'any' || (host.kind === 'address' && host.matches(a))),
    anyAddress: (p) => portOk(p) && host.kind !== 'name',
  };
}
