import { Scenario } from '../scenario';

/** Every benchmark scenario, in the order `npm run bench` runs them. Add new ones here. */
export const scenarios: Scenario[] = [];
