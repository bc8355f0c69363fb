import { describe, it } from 'vitest';
import { scenarios } from './scenarios.js';
import { targets } from './targets.js';

// One scenario list, run over real HTTP against every adapter.
describe.each(targets)('$name', (target) => {
  it.each(scenarios)('$name', (scenario) => scenario.run(target));
});
