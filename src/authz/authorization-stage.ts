// The call gate's authorization stage: the caller's roles from the policy in force, then the
// decision for the method. Runs at onReceiveMetadata, so a denied call (unary or streaming)
// ends with PERMISSION_DENIED before any handler or message handling runs.
import { status as Status } from '@grpc/grpc-js';
import type { CallStage } from '../gate/call-context';
import { createContextKey } from '../gate/context-key';
import type { CompiledPolicy } from './compiled-policy';
import { Decision, describeDecision } from './decision';

/**
 * The decision the stage made for a call, for observers (the audit log, metrics) and handlers.
 * Kept in the call's values (gate/context-key.ts), which live exactly as long as the call.
 */
export const DECISION = createContextKey<Decision | undefined>(undefined, { description: 'certrpc.authz.decision' });

export function authorizationStage(policy: () => CompiledPolicy): CallStage {
  return (ctx) => {
    const caller = ctx.caller;
    const current = policy();
    const roles = current.rolesOf(caller.identity);
    // WhoAmI and handlers read the roles from the Caller. Frozen, shared per certificate: a
    // handler that tries to change them gets an error instead of changing them for everyone.
    caller.roles = roles as string[];
    const decision = current.decideForRoles(roles, ctx.method, ctx.metadata);
    ctx.values.set(DECISION, decision);
    if (!decision.allowed) return { code: Status.PERMISSION_DENIED, details: describeDecision(decision, caller.identity) };
  };
}
