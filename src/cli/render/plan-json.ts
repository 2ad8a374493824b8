import type { Plan } from "../../plan/index.js";

export interface PlanJsonInput {
  version: string;
  /** The files each configuration was read from. */
  before: readonly string[];
  after: readonly string[];
  plan: Plan;
}

/** Renders a plan as one JSON document for tools: the Plan itself, with the tool and the files. */
export function renderPlanJson(input: PlanJsonInput): string {
  const { plan } = input;
  const document = {
    tool: "lbguard",
    version: input.version,
    before: { files: input.before },
    after: { files: input.after },
    overall: plan.overall,
    counts: plan.counts,
    changes: plan.changes,
    traffic: plan.traffic,
    assumptions: plan.assumptions,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
