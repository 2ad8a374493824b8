/**
 * Why each finding a change can carry matters, for reviewers who read findings on the dashboard
 * rather than in a terminal. Check rules explain themselves in their doc pages (the first
 * sentence of "Why it matters", as `lbguard check` prints it); the gate's own findings and the
 * families of parser and `haproxy -c` findings have no doc page, so their reasons are here.
 */
import { readRuleDoc, whyItMatters } from "../cli/package-files.js";
import { RULES } from "../rules/index.js";
import { ruleDocPath } from "../rules/rule.js";
import type { RuleExplanation } from "./api-types.js";

/**
 * The gate's findings (docs/gate.md), the control plane's own about the cluster's nodes, and
 * families matched by prefix (`parse/*`).
 */
const GATE_EXPLANATIONS: readonly RuleExplanation[] = [
  {
    id: "capacity/over-capacity",
    description: "a machine is predicted above its inventory capacity_rps",
    why: "A server pushed past what its machine can serve slows down, fails its health checks, and its traffic falls on the rest of the pool, which can cascade into an outage.",
    doc: "docs/gate.md",
  },
  {
    id: "capacity/n-1-overload",
    description: "one machine failing would push another over capacity",
    why: "Machines fail: with this configuration an ordinary failure of one server overloads another one.",
    doc: "docs/gate.md",
  },
  {
    id: "capacity/single-point-of-failure",
    description: "one machine failing would leave a backend with no server",
    why: "When the last server of a backend fails, every request for that backend gets a 503.",
    doc: "docs/gate.md",
  },
  {
    id: "traffic/no-usable-server",
    description: "traffic is predicted to reach a backend with no usable server",
    why: "Every request sent to a backend with no usable server gets a 503: for clients, that part of the service is down.",
    doc: "docs/gate.md",
  },
  {
    id: "traffic/non-web-server",
    description: "traffic is predicted to reach a server whose inventory role is not web",
    why: "Web requests sent to a database or another machine that does not serve them fail, and load a machine that was never sized or secured for them.",
    doc: "docs/gate.md",
  },
  {
    id: "traffic/unrouted",
    description: "requests are predicted to match no backend",
    why: "Requests that match no backend get a 503 from HAProxy itself, even while every server is healthy.",
    doc: "docs/gate.md",
  },
  {
    id: "plan/bind-removed",
    description: "a listening address clients use is removed",
    why: "Clients still connect to that address; once it is gone, every connection is refused.",
    doc: "docs/plan.md",
  },
  {
    id: "plan/bind-moved",
    description: "a listening address clients use moves to another address or port",
    why: "Clients and DNS records still point at the old address; they are refused until every one of them is updated.",
    doc: "docs/plan.md",
  },
  {
    id: "plan/frontend-disabled",
    description: "a frontend clients use is disabled",
    why: "A disabled frontend stops listening: every client of it is refused.",
    doc: "docs/plan.md",
  },
  {
    id: "plan/bind-tls-changed",
    description: "a listener switches to or from TLS",
    why: "Clients keep speaking the protocol they always spoke: switching TLS on or off breaks their connections until each of them changes too.",
    doc: "docs/plan.md",
  },
  {
    id: "cluster/single-lb-node",
    description: "the cluster has fewer than two load-balancer nodes",
    why: "When the only load-balancer node fails, or a reload on it goes wrong, every service behind it is down until it is back.",
  },
  {
    id: "cluster/pair-nodes",
    description: "the keepalived pair file does not name exactly the cluster's nodes",
    why: "A node the pair file leaves out gets no keepalived configuration and cannot take the VIP; a name no node has holds a priority nobody runs.",
  },
  {
    id: "haproxy/alert",
    description: "haproxy -c refuses the configuration",
    why: "HAProxy itself refuses this configuration: a reload with it fails and the node keeps the old one, or does not start.",
  },
  {
    id: "haproxy/warning",
    description: "haproxy -c warns about the configuration",
    why: "HAProxy accepts the configuration but says part of it will not do what it seems to.",
  },
  {
    id: "parse/*",
    description: "a line lbguard's parser could not read as HAProxy 2.6 does",
    why: "What lbguard cannot read it cannot check or predict, so the other findings and the traffic prediction may miss what this line does.",
    doc: "docs/diagnostics.md",
  },
];

/** Every check rule's explanation from its doc page, then the gate's own, sorted by id. */
export function ruleExplanations(): RuleExplanation[] {
  const rules = RULES.map((rule): RuleExplanation => {
    const doc = readRuleDoc(rule.meta.id);
    const why = doc ? whyItMatters(doc) : undefined;
    return {
      id: rule.meta.id,
      description: rule.meta.description,
      ...(why ? { why } : {}),
      ...(doc ? { doc: ruleDocPath(rule.meta.id) } : {}),
    };
  });
  return [...rules, ...GATE_EXPLANATIONS].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
