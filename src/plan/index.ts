export { planChange, type PlanOptions } from "./plan.js";
export { maxRisk, riskRank, RISKS, THRESHOLDS, type Risk } from "./risk.js";
export type * from "./types.js";
