// The redundant pair: keepalived/VRRP settings, their rendering, checks and live state.
export * from "./check-pair-configs.js";
export * from "./keepalived-check.js";
export * from "./keepalived-process.js";
export * from "./node-paths.js";
export * from "./pair.js";
export * from "./render-keepalived.js";
export { shellQuote } from "./render-scripts.js";
export { checkVrrpPair } from "./rules/check-vrrp-pair.js";
export { VRRP_RULES } from "./rules/index.js";
export type { VrrpRule, VrrpRuleMeta } from "./rules/vrrp-rule.js";
export * from "./vrrp-state.js";
