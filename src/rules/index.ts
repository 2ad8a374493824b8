import routeAlwaysMatches from "./route-always-matches.js";
import type { Rule } from "./rule.js";
import serverNotInInventory from "./server-not-in-inventory.js";
import undefinedBackend from "./undefined-backend.js";

/** Every rule, sorted by id. A meta-test keeps this list sorted and complete. */
export const RULES: readonly Rule[] = [routeAlwaysMatches, serverNotInInventory, undefinedBackend];
