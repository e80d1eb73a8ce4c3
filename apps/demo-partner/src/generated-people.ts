/** What every generator of fictional people shares: the seeded PRNG and the names (the demo partner, the member-system simulators). */
export { FIRST_NAMES, LAST_NAMES, emailSlug } from "./names";
export { createRng, hashString, type Rng } from "./random";
