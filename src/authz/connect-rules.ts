// The proxy's rule kind: `connect: ["10.0.0.5:50051", "*.billing.internal:443", "10.1.0.0/16:*", "*"]`
// says which HOST:PORT targets a role may open CONNECT tunnels to. Same roles, same deny-wins order
// as method rules; a policy without connect rules allows no tunnel (deny by default).
import { BlockList, isIP } from 'node:net';
import type { CompiledPolicy } from './compiled-policy';
import { describeIdentity, PeerIdentity } from './identity';
import { ANY_CALLER, RuleModel } from './policy-model';
import { ValueMatcher, wildcardMatcher } from './wildcard';

/** A CONNECT request target, checked: host lower-cased, IPv6 without brackets. */
export interface ConnectTarget {
  host: string;
  port: number;
}

export function formatTarget(t: ConnectTarget): string {
  return `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,62})(?:\.[a-z0-9-]{1,63})*\.?$/;
const HOST_PATTERN = /^[a-z0-9*](?:[a-z0-9*.-]{0,252})$/;

/** Parses a CONNECT request-target (authority form, RFC 9110 9.3.6): "host:port" or "[v6]:port". */
export function parseConnectTarget(text: string): ConnectTarget | { problem: string } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]/\s]+)):(\d{1,5})$/.exec(text);
  if (!m) return { problem: `"${text}" is not HOST:PORT` };
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return { problem: `port ${m[3]} is out of range (1-65535)` };
  const host = (m[1] ?? m[2]).toLowerCase();
  if (m[1] !== undefined ? isIP(host) !== 6 : !(isIP(host) === 4 || HOSTNAME.test(host))) return { problem: `"${host}" is not a host name or IP address` };
  return { host, port };
}

/** Why a connect pattern is wrong (undefined if right). Patterns: "*", HOST:PORT, HOST may hold * or be a CIDR, PORT may be *. */
export function connectPatternProblem(pattern: string): string | undefined {
  if (pattern === '*') return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):([^:]*)$/.exec(pattern);
  if (!m) return `"${pattern}" is not HOST:PORT (write e.g. "10.0.0.5:50051", "*.internal:443", "10.0.0.0/24:*", "[::1]:50051" or "*")`;
  const [, v6, host, port] = m;
  if (port !== '*' && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) return `"${pattern}": the port must be 1-65535 or *`;
  const h = (v6 ?? host).toLowerCase();
  if (h.includes('/')) return cidrProblem(h) ? `"${pattern}": ${cidrProblem(h)}` : undefined;
  if (v6 !== undefined) return isIP(h) === 6 ? undefined : `"${pattern}": "${h}" is not an IPv6 address`;
  return HOST_PATTERN.test(h) ? undefined : `"${pattern}": "${h}" is not a host name, IP address, CIDR block or wildcard`;
}

function cidrProblem(cidr: string): string | undefined {
  const [net, bits] = cidr.split('/');
  const family = isIP(net);
  if (family === 0 || !/^\d{1,3}$/.test(bits ?? '') || Number(bits) > (family === 4 ? 32 : 128)) return `"${cidr}" is not a CIDR block (e.g. 10.0.0.0/24)`;
  return undefined;
}

type TargetMatcher = (t: ConnectTarget) => boolean;

/** Compiles a valid pattern (see connectPatternProblem) into a matcher. */
export function connectMatcher(pattern: string): TargetMatcher {
  if (pattern === '*') return () => true;
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(.*)$/.exec(pattern)!;
  const host = (m[1] ?? m[2]).toLowerCase();
  const portOk = m[3] === '*' ? () => true : (p: number) => p === Number(m[3]);
  let hostOk: ValueMatcher;
  if (host.includes('/')) {
    const [net, bits] = host.split('/');
    const family = isIP(net) === 6 ? 'ipv6' : 'ipv4';
    const block = new BlockList();
    block.addSubnet(net, Number(bits), family);
    hostOk = (h) => isIP(h) === (family === 'ipv6' ? 6 : 4) && block.check(h, family);
  } else {
    // Wildcards match names as written; "*" alone matches any host.
    hostOk = wildcardMatcher(host, { ignoreCase: true });
  }
  return (t) => portOk(t.port) && hostOk(t.host);
}

export interface ConnectRule {
  name: string;
  effect: 'allow' | 'deny';
  anyCaller: boolean;
  roles: ReadonlySet<string>;
  patterns: readonly string[];
  matches: TargetMatcher;
}

export interface ConnectDecision {
  allowed: boolean;
  target: string;
  roles: readonly string[];
  /** The rule that decided, if one did. */
  rule?: string;
  /** For the 403 answer and the audit log: who, what, why. */
  reason: string;
}

const compiled = new WeakMap<CompiledPolicy, ConnectRule[]>();

/** The policy's connect rules, compiled once per policy (a reload is a new CompiledPolicy). */
export function connectRulesOf(policy: CompiledPolicy): ConnectRule[] {
  let rules = compiled.get(policy);
  if (!rules) {
    rules = policy.model.rules.filter((r): r is RuleModel & { connect: string[] } => (r.connect?.length ?? 0) > 0).map(compileConnectRule);
    compiled.set(policy, rules);
  }
  return rules;
}

function compileConnectRule(rule: RuleModel & { connect: string[] }): ConnectRule {
  const matchers = rule.connect.map(connectMatcher);
  return {
    name: rule.name,
    effect: rule.effect,
    anyCaller: rule.roles.includes(ANY_CALLER),
    roles: new Set(rule.roles),
    patterns: rule.connect,
    matches: (t) => matchers.some((m) => m(t)),
  };
}

/** Deny rules first (any match denies), then the first allow rule that matches, else deny. */
export function decideConnect(policy: CompiledPolicy, identity: PeerIdentity, target: ConnectTarget): ConnectDecision {
  const roles = policy.rolesOf(identity);
  const where = formatTarget(target);
  const who = `${describeIdentity(identity)} (roles: ${roles.length ? roles.join(', ') : 'none'})`;
  const rules = connectRulesOf(policy);
  const holds = (r: ConnectRule) => r.anyCaller || roles.some((role) => r.roles.has(role));
  const forTarget = rules.filter((r) => r.matches(target));
  const deny = forTarget.find((r) => r.effect === 'deny' && holds(r));
  if (deny) return { allowed: false, target: where, roles, rule: deny.name, reason: `${who} may not open a tunnel to ${where}: denied by rule "${deny.name}"` };
  const allow = forTarget.find((r) => r.effect === 'allow' && holds(r));
  if (allow) return { allowed: true, target: where, roles, rule: allow.name, reason: `allowed by rule "${allow.name}"` };
  if (rules.length === 0) return { allowed: false, target: where, roles, reason: `${who} may not open a tunnel to ${where}: the policy "${policy.name}" has no connect rules, so this proxy allows no tunnels` };
  const allowedRoles = [...new Set(forTarget.filter((r) => r.effect === 'allow').flatMap((r) => (r.anyCaller ? ['any caller'] : [...r.roles])))];
  const hint = allowedRoles.length ? `tunnels there are allowed for roles ${allowedRoles.join(', ')}` : `no connect rule allows ${where}`;
  return { allowed: false, target: where, roles, reason: `${who} may not open a tunnel to ${where}: ${hint}` };
}
