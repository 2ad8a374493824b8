import type { Config } from "../model/config.js";
import type { SourceSpan } from "../model/span.js";
import { type PlanBuilder, sectionOf } from "./builder.js";
import { plural } from "./format.js";
import { usableServers } from "./pool.js";
import type { Reason } from "./types.js";

/** Where a configuration sends traffic to a backend by name: its first use_backend or default_backend. */
function routeTargets(config: Config): {
  targets: Map<string, { frontend: string; span: SourceSpan }>;
  dynamic: boolean;
} {
  const targets = new Map<string, { frontend: string; span: SourceSpan }>();
  let dynamic = false;
  for (const f of config.frontends) {
    for (const route of f.routes) {
      if (route.dynamic) dynamic = true;
      else if (!targets.has(route.backend))
        targets.set(route.backend, { frontend: f.name, span: route.span });
    }
    const fallback = f.defaultBackend;
    if (fallback && !targets.has(fallback.value))
      targets.set(fallback.value, { frontend: f.name, span: fallback.span ?? f.headerSpan });
  }
  return { targets, dynamic };
}

/**
 * Reports backends added and removed (a removed backend AFTER still routes to is high; other
 * mentions, such as `nbsrv(NAME)` or `track NAME/srv`, are left to `lbguard check`, which reports
 * names that do not exist), and backends left without any usable server. Listen sections added or removed are reported once,
 * as listeners, unless the other side still has a frontend of that name.
 */
export function diffBackends(plan: PlanBuilder): void {
  let references: ReturnType<typeof routeTargets> | undefined;

  for (const [name, gone] of plan.backendsBefore) {
    if (plan.backendsAfter.has(name)) continue;
    if (gone.kind === "listen" && !plan.frontendsAfter.has(name)) continue;
    references ??= routeTargets(plan.after);
    const target = references.targets.get(name);
    let reason: Reason;
    if (target)
      reason = {
        code: "backend-removed-still-used",
        risk: "high",
        message: `frontend ${target.frontend} still sends traffic to ${name} (line ${target.span.line}): HAProxy refuses to start`,
      };
    else if (references.dynamic)
      reason = {
        code: "backend-removed-dynamic",
        risk: "medium",
        message: `a dynamic use_backend may still pick ${name}: those requests would get 503`,
      };
    else
      reason = { code: "backend-removed", risk: "low", message: `no rule of AFTER sends traffic to ${name}` };
    plan.add({
      kind: "removed",
      area: "backend",
      section: sectionOf(gone),
      subject: { backend: name },
      summary: `backend ${name} removed (${plural(gone.servers.length, "server")})`,
      before: { servers: gone.servers.map((s) => s.name) },
      span: gone.headerSpan,
      reasons: [reason],
    });
  }

  for (const [name, now] of plan.backendsAfter) {
    const was = plan.backendsBefore.get(name);
    if (!was) {
      if (now.kind === "listen" && !plan.frontendsBefore.has(name)) continue;
      plan.add({
        kind: "added",
        area: "backend",
        section: sectionOf(now),
        subject: { backend: name },
        summary: `backend ${name} added (${plural(now.servers.length, "server")})`,
        after: { servers: now.servers.map((s) => s.name), balance: now.balance.value.algorithm },
        span: now.headerSpan,
        reasons: [
          {
            code: "backend-added",
            risk: "low",
            message: `new backend with ${plural(now.servers.length, "server")}`,
          },
        ],
      });
      continue;
    }
    if (plan.unchanged(was, now)) continue;
    const usableBefore = usableServers(was).length;
    const usableAfter = usableServers(now).length;
    if (usableBefore > 0 && usableAfter === 0)
      plan.add({
        kind: "changed",
        area: "backend",
        section: sectionOf(now),
        subject: { backend: name },
        summary: `backend ${name}: no usable server left`,
        before: { usable: usableBefore },
        after: { usable: 0 },
        span: now.headerSpan,
        reasons: [
          {
            code: "backend-emptied",
            risk: "high",
            message: `${name} had ${plural(usableBefore, "usable server")} and has none: its requests get 503`,
          },
        ],
      });
  }
}
