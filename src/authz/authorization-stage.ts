// The call gate's authorization stage: the caller's roles from the policy in force, then the
// decision for the method. Runs at onReceiveMetadata, so a denied call (unary or streaming)
// ends with PERMISSION_DENIED before any handler or message handling runs.
import { status as Status } from '@grpc/grpc-js';
import type { CallContext, CallStage } from '../server/call-gate';
import type { CompiledPolicy } from './compiled-policy';
import { Decision, describeDecision } from './decision';

/**
 * Where the stage leaves each call's decision for observers (the audit log, metrics) to read: on
 * the call's context itself, under a key of its own. (A WeakMap entry per call made the garbage
 * collector's work per call grow; the context lives exactly as long as the decision must.)
 */
export class DecisionRecord {
  private readonly key = Symbol('certrpc.decision');

  get(ctx: CallContext): Decision | undefined {
    return (ctx as CallContext & Record<symbol, Decision | undefined>)[this.key];
  }

  set(ctx: CallContext, decision: Decision): void {
    (ctx as CallContext & Record<symbol, Decision>)[this.key] = decision;
  }
}

export function authorizationStage(policy: () => CompiledPolicy, decisions: DecisionRecord = new DecisionRecord()): CallStage {
  return (ctx) => {
    const caller = ctx.caller;
    if (!caller) {
      // The identity stage runs first and rejects calls without a certificate; this is the backstop.
      return { code: Status.PERMISSION_DENIED, details: `no caller identity for ${ctx.method}: authorization needs the identity stage before it` };
    }
    const current = policy();
    const roles = current.rolesOf(caller.identity);
    // WhoAmI and handlers read the roles from the Caller. Frozen, shared per certificate: a
    // handler that tries to change them gets an error instead of changing them for everyone.
    caller.roles = roles as string[];
    const decision = current.decideForRoles(roles, ctx.method, ctx.metadata);
    decisions.set(ctx, decision);
    if (!decision.allowed) return { code: Status.PERMISSION_DENIED, details: describeDecision(decision, caller.identity) };
  };
}
