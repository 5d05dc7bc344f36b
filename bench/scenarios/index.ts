import { Scenario } from '../scenario';
import { authzDecisionScenario } from './authz-decision';

/** Every benchmark scenario, in the order `npm run bench` runs them. Add new ones here. */
export const scenarios: Scenario[] = [authzDecisionScenario];
