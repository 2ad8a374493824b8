import type { Finding } from "../model/finding.js";
import type { Severity } from "../model/severity.js";
import type { SourceSpan } from "../model/span.js";
import type { Plan } from "../plan/index.js";
import type { SimulationResult } from "../simulate/types.js";

/** One reason behind the verdict. */
export interface GateFinding {
  /** Where it comes from: a check rule id, or `capacity/...`, `traffic/...`, `plan/...`. */
  rule: string;
  /** `error` blocks the change; `warning` is worth a look but does not. */
  severity: Severity;
  message: string;
  span?: SourceSpan;
}

/** The pre-apply verdict on a change. */
export interface GateResult {
  verdict: "pass" | "block";
  findings: GateFinding[];
}

/** What the gate weighs. */
export interface GateInput {
  /** Check findings on AFTER (lbguard's rules, the parser, `haproxy -c`). */
  findings: readonly Finding[];
  plan: Plan;
  /** The prediction for AFTER under the expected traffic. */
  after: SimulationResult;
  /** The prediction for BEFORE under the same traffic, to tell new overloads from old ones. */
  before?: SimulationResult;
}

/** Rates within this many req/s of each other count as the same. */
const RATE_TOLERANCE = 0.5;

/**
 * Plan reasons that mean clients connecting where they used to are refused: the address is
 * gone, moved, no longer served (disabled frontend) or now speaks another protocol (TLS added
 * or removed on a bind).
 */
const LISTENER_LOST = new Set(["bind-removed", "bind-moved", "frontend-disabled", "bind-tls-changed"]);

/**
 * Folds everything known about a change into `pass` or `block`. It blocks on: an error-level
 * check finding; a server predicted over its capacity (unless it already was, as much, before
 * the change); traffic predicted to reach a backend
 * with no usable server, or a server whose inventory role is not web; a listener clients use
 * removed or moved. What one server's failure would do (overload the rest, or leave a backend
 * with no server) is a warning.
 */
export function judgeChange(input: GateInput): GateResult {
  const findings: GateFinding[] = [];
  for (const f of input.findings) {
    if (f.severity !== "error") continue;
    findings.push({ rule: f.ruleId, severity: "error", message: f.message, span: f.span });
  }
  const { after } = input;
  const overloadedBefore = new Map((input.before?.capacity.now ?? []).map((o) => [o.address, o.rps]));
  for (const o of after.capacity.now) {
    // An overload the running config already has, at the same rate or worse, is not this
    // change's doing: blocking on it would also block the change that fixes something else.
    const was = overloadedBefore.get(o.address);
    const inherited = was !== undefined && was >= o.rps - RATE_TOLERANCE;
    findings.push({
      rule: "capacity/over-capacity",
      severity: inherited ? "warning" : "error",
      message: `${o.server} (${o.address}) is predicted at ${o.rps.toFixed(1)} req/s against a capacity of ${o.capacityRps} (backend ${o.backend})${inherited ? ", as before this change" : ""}`,
    });
  }
  for (const b of after.backends) {
    if (b.rps > 0 && b.unservedShare > 0) {
      findings.push({
        rule: "traffic/no-usable-server",
        severity: "error",
        message: `backend ${b.name} receives ${b.rps.toFixed(1)} req/s but ${(b.unservedShare * 100).toFixed(0)}% of them find no usable server`,
      });
    }
    for (const s of b.servers) {
      if (s.rps <= 0 || s.role === undefined || s.role === "web") continue;
      findings.push({
        rule: "traffic/non-web-server",
        severity: "error",
        message: `server ${b.name}/${s.name} is inventory ${s.role} server '${s.inventoryName ?? s.name}' and is predicted to receive ${s.rps.toFixed(1)} req/s (${(s.share * 100).toFixed(0)}% of ${b.name})`,
      });
    }
  }
  for (const f of after.frontends) {
    if (f.rps > 0 && f.unroutedShare > 0) {
      findings.push({
        rule: "traffic/unrouted",
        severity: "error",
        message: `frontend ${f.name}: ${(f.unroutedShare * 100).toFixed(0)}% of requests match no backend and get a 503`,
      });
    }
  }
  for (const change of input.plan.changes) {
    const lost = change.reasons.find((r) => LISTENER_LOST.has(r.code));
    if (lost)
      findings.push({
        rule: `plan/${lost.code}`,
        severity: "error",
        message: lost.message,
        span: change.span,
      });
  }
  for (const failure of after.capacity.nMinus1) {
    for (const backend of failure.emptied) {
      findings.push({
        rule: "capacity/single-point-of-failure",
        severity: "warning",
        message: `if ${failure.failed.server} fails, backend ${backend} has no server left`,
      });
    }
    for (const o of failure.overloads) {
      findings.push({
        rule: "capacity/n-1-overload",
        severity: "warning",
        message: `if ${failure.failed.server} fails, ${o.server} is predicted at ${o.rps.toFixed(1)} req/s against a capacity of ${o.capacityRps}`,
      });
    }
  }
  return { verdict: findings.some((f) => f.severity === "error") ? "block" : "pass", findings };
}
