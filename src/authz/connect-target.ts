// Where a CONNECT tunnel goes, in exactly ONE spelling per destination, so that a rule written for
// an address meets that address however a client spells it. The proxy's targets, the addresses a
// name resolves to, and the policy's connect: patterns all go through here.
//
// - IPv4: only the dotted quad of four decimal numbers without leading zeros. The legacy inet_aton
//   spellings (2130706433, 127.1, 0x7f000001, 0177.0.0.1, 0) are REFUSED, not translated: they have
//   no legitimate use in a CONNECT request, and getaddrinfo would accept them (so none may reach it).
//   Like the WHATWG URL parser, any host whose last label is a number is taken as an IPv4 spelling.
// - IPv6: inet_pton then inet_ntop (libuv, RFC 5952 compressed, lower case); an IPv4-mapped address
//   (::ffff:a.b.c.d) IS the IPv4 address; zone ids (%eth0) and IPv4-compatible addresses are refused.
// - names: lower case, one trailing dot dropped (localhost. is localhost), LDH labels only.
import { isIP, SocketAddress } from 'node:net';
import { formatHostPort } from '../text/host-port';

/** A checked, canonical CONNECT target. `kind` says whether host is an address or a name. */
export interface ConnectTarget {
  host: string;
  port: number;
  kind?: 'ip' | 'name';
}

export type CanonicalHost = { kind: 'ip'; host: string; family: 4 | 6 } | { kind: 'name'; host: string };

export type Problem = { problem: string };

export function formatTarget(t: { host: string; port: number }): string {
  return formatHostPort(t.host, t.port);
}

export const MAX_NAME = 253;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** One lower-case LDH label of 1-63 characters (a name's canonical label). */
export const isHostLabel = (label: string): boolean => LABEL.test(label);
// What the WHATWG URL parser (and inet_aton, for the whole host) reads as a number.
export const NUMERIC_LABEL = /^(?:[0-9]+|0x[0-9a-f]*)$/;

/** An address in canonical form: IPv4 dotted quad, or IPv6 compressed; IPv4-mapped IPv6 becomes IPv4. */
export function canonicalAddress(text: string): { kind: 'ip'; host: string; family: 4 | 6 } | Problem {
  if (text.includes('%')) return { problem: `"${text}" has a zone id: link-local zones cannot be tunnelled to` };
  const family = isIP(text);
  if (family === 4) return { kind: 'ip', host: text, family: 4 };
  if (family !== 6) return { problem: `"${text}" is not an IP address` };
  const host = new SocketAddress({ address: text, family: 'ipv6' }).address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
  if (mapped && isIP(mapped[1]) === 4) return { kind: 'ip', host: mapped[1], family: 4 };
  if (/^::\d+\.\d+\.\d+\.\d+$/.test(host))
    return { problem: `"${text}" is a deprecated IPv4-compatible IPv6 address: write the IPv4 address itself` };
  return { kind: 'ip', host, family: 6 };
}

/** 0.0.0.0/8 and :: — connecting there reaches this host itself (Linux), so it is never a destination. */
export function isUnspecified(address: string): boolean {
  return address === '::' || (isIP(address) === 4 && address.startsWith('0.'));
}

/** One host (bracket contents for IP literals) in canonical form, or why it is not a host. */
export function canonicalHost(text: string, bracketed: boolean): CanonicalHost | Problem {
  if (bracketed) return isIP(text) === 6 ? canonicalAddress(text) : { problem: `"[${text}]" is not an IPv6 address` };
  if (text === '') return { problem: 'the host is empty' };
  const lower = text.toLowerCase();
  // One trailing dot is the absolute form of the same name (and of the same IPv4 address).
  const name = lower.endsWith('.') ? lower.slice(0, -1) : lower;
  if (isIP(name) === 4) return { kind: 'ip', host: name, family: 4 };
  const labels = name.split('.');
  if (NUMERIC_LABEL.test(labels[labels.length - 1])) {
    const meant = meaningOf(name);
    return {
      problem: `"${text}" is not a canonical IPv4 address${meant ? ` (it would mean ${meant})` : ''}: write the address as four decimal numbers, e.g. 127.0.0.1`,
    };
  }
  if (name.length > MAX_NAME || !labels.every(isHostLabel)) return { problem: `"${text}" is not a host name or IP address` };
  return { kind: 'name', host: name };
}

/** What a legacy numeric spelling stands for, for the error message only (never used to connect). */
function meaningOf(host: string): string | undefined {
  try {
    const parsed = new URL(`http://${host}/`).hostname;
    return isIP(parsed) === 4 ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** A port as a client or a policy writes it: decimal 1-65535, no sign, no leading zero. */
export function parsePort(text: string): number | undefined {
  return /^[1-9][0-9]{0,4}$/.test(text) && Number(text) <= 65535 ? Number(text) : undefined;
}

// The longest authority-form target: a 253-character name, its trailing dot, ":", a 5-digit port
// (IPv6 literals are shorter). Checked first, so that no longer text reaches a regular expression.
const MAX_TARGET = MAX_NAME + 1 + 1 + 5;

/**
 * Parses a CONNECT request-target strictly (authority form, RFC 9110 9.3.6: "host:port", "[v6]:port")
 * into its canonical form; anything else is a problem, answered with 400. No userinfo, no
 * percent-encoding, no zone ids, no empty or oversized host, a decimal port 1-65535, and never the
 * unspecified address.
 */
export function parseConnectTarget(text: string): ConnectTarget | Problem {
  if (text.length === 0 || text.length > MAX_TARGET)
    return { problem: `the target is ${text.length === 0 ? 'empty' : `longer than ${MAX_TARGET} characters`}` };
  if (/[^\x21-\x7e]/.test(text)) return { problem: 'the target has spaces, control or non-ASCII characters' };
  if (text.includes('@')) return { problem: 'the target has user information (user@host): the client certificate is the only credential' };
  if (text.includes('%')) return { problem: 'the target has percent-encoding or an IPv6 zone id: write the host as it is, without %' };
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):([^:]*)$/.exec(text);
  if (!m) return { problem: `"${text}" is not HOST:PORT` };
  const port = parsePort(m[3]);
  if (port === undefined) return { problem: `port "${m[3]}" is not a decimal number 1-65535 (without leading zeros)` };
  const host = canonicalHost(m[1] ?? m[2], m[1] !== undefined);
  if ('problem' in host) return host;
  if (host.kind === 'ip' && isUnspecified(host.host))
    return { problem: `${host.host} is the unspecified address (it reaches the proxy host itself): it is never a tunnel target` };
  return { host: host.host, port, kind: host.kind };
}

/** A target given by a library caller, checked and made canonical the same way. */
export function canonicalTarget(t: ConnectTarget): ConnectTarget | Problem {
  return parseConnectTarget(formatTarget(t));
}
