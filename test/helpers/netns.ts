// A small lab of network namespaces ("hosts") joined by veth pairs, for multi-host tests. Everything
// lives inside namespaces this run created (unique names; addresses only in 10.203.0.0/16 inside
// them, never on the machine's own interfaces), and cleanup() deletes it all.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** Why namespaces cannot be used here, or undefined when they can. */
export function namespaceUnsupportedReason(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces are Linux only (this is ${process.platform})`;
  if (process.getuid?.() !== 0)
    return 'not running as root: creating network namespaces needs root (CI runs as root, so the test runs there)';
  if (spawnSync('ip', ['-V']).error) return 'the `ip` command (iproute2) is not installed: apt-get install -y iproute2';
  // Root is not always enough (a container without CAP_SYS_ADMIN): try it.
  const probe = `certrpc7-probe-${randomBytes(3).toString('hex')}`;
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (added.status !== 0) return `\`ip netns add\` fails here: ${(added.stderr || added.error?.message || '').trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

export class NetnsLab {
  /** Short and unique per run: namespace names and interface names (15 characters at most) carry it. */
  readonly id = randomBytes(3).toString('hex');
  private readonly namespaces: string[] = [];
  private links = 0;

  /** A new namespace with its loopback up; returns its name. */
  host(role: string): string {
    const name = `certrpc7-${this.id}-${role}`;
    ip('netns', 'add', name);
    this.namespaces.push(name);
    ip('-n', name, 'link', 'set', 'lo', 'up');
    return name;
  }

  /** A veth pair made directly inside the two namespaces (nothing appears on the host), each end addressed /24 and up. */
  link(a: { ns: string; address: string }, b: { ns: string; address: string }): void {
    const n = this.links++;
    const [ifA, ifB] = [`c7${this.id}${n}a`, `c7${this.id}${n}b`];
    ip('-n', a.ns, 'link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', b.ns);
    for (const [end, name] of [
      [a, ifA],
      [b, ifB],
    ] as const) {
      ip('-n', end.ns, 'addr', 'add', `${end.address}/24`, 'dev', name);
      ip('-n', end.ns, 'link', 'set', name, 'up');
    }
  }

  /** Deletes every namespace this lab made (their veth ends go with them). Never throws. */
  cleanup(): string[] {
    const problems: string[] = [];
    for (const ns of this.namespaces.splice(0)) {
      try {
        ip('netns', 'del', ns);
      } catch (err) {
        problems.push(`${ns}: ${(err as Error).message}`);
      }
    }
    return problems;
  }
}
