// Keeps every open tunnel within what the CRL and the policy allow NOW. A tunnel is decided once,
// at CONNECT; when the CRL changes (a revocation) or the policy reloads, every open tunnel is
// decided again on the same basis (the caller's certificate, the target, the addresses its name
// resolved to and the address it connected to) and the ones no longer allowed are cut at once.
import type { ConnectDecision, ConnectTarget } from '../authz/connect-rules';
import type { PeerIdentity } from '../gate/peer-identity';
import { issuerAsInspected } from '../pki/distinguished-name';
import { Revocation, RevocationList } from '../tls/revocation-list';

/** Why the proxy cut a tunnel (a tunnel_closed audit line says which). */
export type TunnelCutReason = 'revoked' | 'policy_changed' | 'proxy_shutdown';

export interface TunnelCut {
  reason: TunnelCutReason;
  details: string;
}

/** Decides one tunnel: the caller's identity, the target, and (for names) the addresses it resolved to. */
export type ConnectAuthorizer = (identity: PeerIdentity, target: ConnectTarget, addresses?: readonly string[]) => ConnectDecision;

/** What a tunnel was decided on. */
export interface TunnelBasis {
  identity: PeerIdentity;
  /** The client certificate (DER): its issuer tells which CA's CRL may revoke it. */
  certificate: Buffer;
  target: ConnectTarget;
  /** The addresses the decision was made on. */
  resolved: readonly string[];
  /** The address the tunnel connected to. */
  address: string;
}

/** Whatever RevocationList reads (TlsMaterial's CRL field, as the server passes it). */
type CrlInput = Parameters<RevocationList['update']>[0];

export interface GuardedTunnel extends TunnelBasis {
  cut(cut: TunnelCut): void;
}

export class TunnelGuard {
  private readonly revocations = new RevocationList();
  private readonly tunnels = new Set<GuardedTunnel>();
  private changes = 0;

  constructor(
    private readonly authorize: ConnectAuthorizer,
    crl: CrlInput,
  ) {
    this.revocations.update(crl);
  }

  /** Counts CRL and policy changes: a decision made before a change is checked again before use. */
  get epoch(): number {
    return this.changes;
  }

  get size(): number {
    return this.tunnels.size;
  }

  /** Starts guarding an open tunnel; the returned function stops (call it when the tunnel closes). */
  track(tunnel: GuardedTunnel): () => void {
    this.tunnels.add(tunnel);
    return () => this.tunnels.delete(tunnel);
  }

  /** A new CRL (already validated by the loader): cuts the tunnels of every certificate it lists. */
  updateCrl(crl: CrlInput): number {
    this.revocations.update(crl);
    return this.recheck();
  }

  /** Decides every open tunnel again (after a policy reload) and cuts the ones no longer allowed; returns how many. */
  recheck(): number {
    this.changes++;
    let cut = 0;
    for (const tunnel of [...this.tunnels]) {
      const verdict = this.verdict(tunnel);
      if (!verdict) continue;
      this.tunnels.delete(tunnel);
      tunnel.cut(verdict);
      cut++;
    }
    return cut;
  }

  /** Cuts every tunnel (shutdown). */
  cutAll(cut: TunnelCut): void {
    for (const tunnel of [...this.tunnels]) tunnel.cut(cut);
    this.tunnels.clear();
  }

  /** The revocation of this certificate on the current CRLs: same serial, and the CRL of its own issuer. */
  revocationOf(identity: PeerIdentity, certificate: Buffer): Revocation | undefined {
    const revocation = this.revocations.get(identity.serial);
    return revocation && revocation.issuer === this.issuerOf(certificate) ? revocation : undefined;
  }

  /** Why this tunnel may no longer be open; undefined while it may. */
  verdict(basis: TunnelBasis): TunnelCut | undefined {
    const revocation = this.revocationOf(basis.identity, basis.certificate);
    if (revocation)
      return {
        reason: 'revoked',
        details: `certificate serial ${basis.identity.serial} was revoked at ${revocation.revokedAt.toISOString()} (${revocation.reason})`,
      };
    let decision: ConnectDecision;
    try {
      decision = this.authorize(basis.identity, basis.target, basis.resolved);
    } catch (err) {
      return { reason: 'policy_changed', details: `the proxy could not decide: ${(err as Error).message}` };
    }
    if (!decision.allowed) return { reason: 'policy_changed', details: decision.reason };
    if (!decision.connectTo.includes(basis.address))
      return { reason: 'policy_changed', details: `${basis.address} is no longer an allowed address of ${decision.target}` };
    return undefined;
  }

  /** The issuer as certrpc pairs CRLs with CAs (pki/crl.ts compares the same @peculiar/x509 names); parsed only on a serial match. */
  private issuerOf(certificate: Buffer): string {
    return issuerAsInspected(certificate);
  }
}
