// What the metrics need from an authorization decision: the rule that decided and why.
import type { Authorization } from '../authz/authorization';
import type { CallContext } from '../server/call-gate';
import type { DecisionLabels } from './server-metrics';

export function decisionLabels(authz: Pick<Authorization, 'decisionOf'> | undefined): (ctx: CallContext) => DecisionLabels | undefined {
  return (ctx) => {
    const decision = authz?.decisionOf(ctx);
    return decision && { rule: decision.rule?.name, reason: decision.reason };
  };
}
