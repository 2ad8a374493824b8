import type { FastifyPluginAsync } from "fastify";
import type { ControlContext } from "../../control/control-context.js";
import { rolloutEvents } from "../../control/rollout-evidence.js";
import { ruleExplanations } from "../../control/rule-explanations.js";
import { PARAMS } from "../schemas.js";

/**
 * What reviewers read beside a change: why each finding's rule matters, and the recorded
 * evidence of how a rollout went.
 */
export function reviewAidRoutes(ctx: ControlContext): FastifyPluginAsync {
  return async (api) => {
    const tags = ["changes"];
    // Read from the doc pages once: they only change with lbguard itself.
    let explanations: ReturnType<typeof ruleExplanations> | undefined;
    api.get("/rules", { config: { access: "viewer" }, schema: { tags } }, () => {
      explanations ??= ruleExplanations();
      return explanations;
    });
    api.get<{ Params: { id: number } }>(
      "/rollouts/:id/events",
      { config: { access: "viewer" }, schema: { tags, params: PARAMS.id } },
      (request) => rolloutEvents(ctx, request.params.id),
    );
  };
}
