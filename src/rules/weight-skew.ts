import type { Server } from "../model/server.js";
import { defineRule } from "./rule.js";
import { serverRole } from "./semantics/server-pool.js";

/**
 * Server weights so far apart that one server takes most of the traffic: the pool looks
 * redundant but the light servers idle while the heavy one saturates. This is how `weight 100`
 * typed on one server of two, the other left at the default weight 1, sends 99% of the requests
 * to one machine.
 *
 * A ratio alone is not enough: four servers at weight 100 next to a canary at weight 5 differ
 * twentyfold, yet each heavy server takes under a quarter of the traffic, which is the canary
 * set-up working as meant. So the heaviest server must also take more than a set share.
 */
export default defineRule({
  meta: {
    id: "weight-skew",
    severity: "warning",
    description:
      "The weights of a backend's active servers are so far apart that one server takes most of the traffic.",
    messages: {
      weightSkew:
        "server {backend}/{server} has weight {weight}, {times} times the weight of '{lightest}' ({minWeight}): under roundrobin it takes {share}% of the traffic",
    },
    hints: {
      weightSkew:
        "Set weights in proportion to what each server can carry (equal servers: equal weights); if '{lightest}' is a canary, the share is intended until it is promoted.",
    },
    options: {
      ratio: {
        default: 10,
        description:
          "Report when the heaviest active server's weight exceeds this many times the lightest's.",
      },
      share: {
        default: 50,
        description:
          "Report only when the heaviest active server also takes more than this percentage of the traffic under roundrobin.",
      },
    },
  },
  create(context) {
    const ratio = Number(context.options.ratio);
    const minShare = Number(context.options.share) / 100;
    return {
      backend(backend) {
        // `balance first` fills servers in order and ignores weights.
        if (backend.balance.value.algorithm === "first") return;
        const active = backend.servers.filter((s) => serverRole(s) === "active");
        if (active.length < 2) return;
        let heaviest = active[0] as Server;
        let lightest = heaviest;
        let sum = 0;
        for (const server of active) {
          const weight = server.settings.weight.value;
          sum += weight;
          if (weight > heaviest.settings.weight.value) heaviest = server;
          if (weight < lightest.settings.weight.value) lightest = server;
        }
        const max = heaviest.settings.weight.value;
        const min = lightest.settings.weight.value;
        if (max <= min * ratio || max <= sum * minShare) return;
        context.report({
          messageId: "weightSkew",
          data: {
            backend: backend.name,
            server: heaviest.name,
            weight: max,
            lightest: lightest.name,
            minWeight: min,
            times: Math.round((max / min) * 10) / 10,
            share: Math.round((max / sum) * 1000) / 10,
          },
          span: heaviest.settings.weight.span ?? heaviest.nameSpan,
          related: [
            {
              message: `'${lightest.name}' has weight ${min}`,
              span: lightest.settings.weight.span ?? lightest.nameSpan,
            },
          ],
        });
      },
    };
  },
});
