import { Scenario } from '../scenario';
import { authzDecisionScenario } from './authz-decision';
import { unaryScenario } from './unary';
import { streamingScenario } from './streaming';
import { handshakesScenario } from './handshakes';
import { pkiIssuanceScenario } from './pki-issuance';
import { idleConnectionsScenario } from './idle-connections';
import { rotationScenario } from './rotation';
import { revocationScenario } from './revocation';
import { cliCallScenario } from './cli-call';
import { soakScenario } from './soak';
import { importCostScenario } from './import-cost';
import { fleetScenario } from './fleet';
import { callPathScenario } from './call-path';
import { independentScenario } from './independent';
import { auditHandshakeScenario } from './audit-handshake';

/** Every benchmark scenario, in the order `npm run bench` runs them. Add new ones here. */
export const scenarios: Scenario[] = [
  callPathScenario,
  independentScenario,
  unaryScenario,
  streamingScenario,
  handshakesScenario,
  pkiIssuanceScenario,
  idleConnectionsScenario,
  authzDecisionScenario,
  rotationScenario,
  revocationScenario,
  cliCallScenario,
  importCostScenario,
  fleetScenario,
  soakScenario,
  auditHandshakeScenario,
];
