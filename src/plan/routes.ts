import type { Acl } from "../model/condition.js";
import type { Proxy, Route } from "../model/proxy.js";
import { aclReferences } from "../rules/semantics/acl-references.js";
import { aclsByName, conditionTruth, requestFacts, type Truth } from "../rules/semantics/condition-truth.js";
import { type PlanBuilder, sectionOf } from "./builder.js";
import { aclKey, aclNames, conditionKey } from "./condition-key.js";
import { formatAcl, formatCondition, listNames, plural } from "./format.js";
import { usableServers } from "./pool.js";
import type { PlanValue, Reason } from "./types.js";

/** One use_backend rule of a frontend with what the plan compares it by. */
interface RouteEntry {
  route: Route;
  /** 0-based place among the frontend's use_backend rules. */
  index: number;
  /** Same condition semantics (see conditionKey). */
  condition: string;
  /** Same target and same condition semantics. */
  full: string;
  /** Whether the condition holds for every request, none, or depends; computed on first need. */
  truth(): Truth;
}

function entries(proxy: Proxy): RouteEntry[] {
  const acls = aclsByName(proxy);
  const facts = requestFacts(proxy);
  return proxy.routes.map((route, index) => {
    const condition = conditionKey(route.condition, acls);
    let truth: Truth | undefined;
    return {
      route,
      index,
      condition,
      full: `${route.backend}\u0000${condition}`,
      truth: () => (truth ??= route.condition ? conditionTruth(route.condition, acls, facts) : "always"),
    };
  });
}

/**
 * Pairs BEFORE and AFTER entries that share a key, in order (the first unpaired BEFORE entry
 * with a key takes the first unpaired AFTER entry with it). Pairs are recorded in `pairs` and
 * the paired entries removed from the two lists.
 */
function pairBy(
  was: RouteEntry[],
  now: RouteEntry[],
  key: (e: RouteEntry) => string,
  pairs: [RouteEntry, RouteEntry][],
): [RouteEntry[], RouteEntry[]] {
  const waiting = new Map<string, RouteEntry[]>();
  for (const e of now) {
    const k = key(e);
    const list = waiting.get(k);
    if (list) list.push(e);
    else waiting.set(k, [e]);
  }
  const taken = new Set<RouteEntry>();
  const wasLeft: RouteEntry[] = [];
  for (const e of was) {
    const match = waiting.get(key(e))?.shift();
    if (match) {
      pairs.push([e, match]);
      taken.add(match);
    } else wasLeft.push(e);
  }
  return [wasLeft, now.filter((e) => !taken.has(e))];
}

/** The indices of `values` that form a longest increasing subsequence (O(n log n)). */
function longestIncreasing(values: readonly number[]): Set<number> {
  const tails: number[] = [];
  const previous = new Array<number>(values.length).fill(-1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((values[tails[mid] as number] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[i] = tails[lo - 1] as number;
    tails[lo] = i;
  }
  const keep = new Set<number>();
  for (let i = tails.at(-1) ?? -1; i >= 0; i = previous[i] as number) keep.add(i);
  return keep;
}

function routeText(route: Route): string {
  return route.condition
    ? `use_backend ${route.backend} ${formatCondition(route.condition)}`
    : `use_backend ${route.backend}`;
}

function values(entry: RouteEntry): Record<string, PlanValue> {
  return {
    backend: entry.route.backend,
    condition: entry.route.condition ? formatCondition(entry.route.condition) : null,
    position: entry.index + 1,
  };
}

/**
 * Reports, per frontend present on both sides, ACL definitions added, removed or changed, and
 * use_backend rules added, removed, reordered, retargeted or with a changed condition. Conditions
 * are compared by meaning: named ACLs by their definitions, so a changed pattern changes every
 * rule that uses it. Also reports default_backend changes.
 */
export function diffRoutes(plan: PlanBuilder): void {
  for (const [name, now] of plan.frontendsAfter) {
    const was = plan.frontendsBefore.get(name);
    if (!was || plan.unchanged(was, now)) continue;
    diffAcls(plan, was, now);
    const after = entries(now);
    diffUseBackend(plan, was, now, after);
    diffDefaultBackend(plan, was, now, after);
  }
}

function diffAcls(plan: PlanBuilder, was: Proxy, now: Proxy): void {
  const before = aclsByName(was);
  const after = aclsByName(now);
  const section = sectionOf(now);
  // Who uses each ACL in AFTER, built on first need: most frontends change no ACL at all.
  let users: Map<string, { routes: Route[]; others: ReturnType<typeof aclReferences> }> | undefined;
  const uses = (name: string) => {
    if (!users) {
      users = new Map();
      const entry = (acl: string) => {
        let e = users?.get(acl);
        if (!e) {
          e = { routes: [], others: [] };
          users?.set(acl, e);
        }
        return e;
      };
      for (const r of now.routes) for (const acl of aclNames(r.condition)) entry(acl).routes.push(r);
      for (const ref of aclReferences(now))
        if (ref.keyword !== "use_backend") entry(ref.name).others.push(ref);
    }
    return users.get(name) ?? { routes: [], others: [] };
  };
  const describeUses = (name: string): Reason[] => {
    const { routes, others } = uses(name);
    const out: Reason[] = [];
    if (routes.length > 0)
      out.push({
        code: "acl-decides-routes",
        risk: "medium",
        message: `changes which requests ${plural(routes.length, "use_backend rule")} (${listNames(routes.map((r) => r.backend))}) take`,
      });
    if (others.length > 0)
      out.push({
        code: "acl-decides-rules",
        risk: "medium",
        message: `also decides ${listNames(others.map((r) => `${r.keyword} at line ${r.span.line}`))}`,
      });
    if (out.length === 0)
      out.push({ code: "acl-unused", risk: "low", message: `no rule of ${now.name} uses it` });
    return out;
  };

  for (const [acl, lines] of before) {
    if (after.has(acl)) continue;
    const { routes, others } = uses(acl);
    const still = [...routes.map((r) => r.span.line), ...others.map((r) => r.span.line)];
    plan.add(
      {
        kind: "removed",
        area: "route",
        section,
        subject: { frontend: now.name, acl },
        summary: `acl ${acl} removed`,
        before: { definition: formatAcl(lines) },
        span: (lines[0] as Acl).span,
        reasons: [
          still.length > 0
            ? {
                code: "acl-removed-still-used",
                risk: "high",
                message: `acl ${acl} is still used at ${plural(still.length, "line")} ${listNames(still.map(String))}: HAProxy refuses to start`,
              }
            : { code: "acl-removed", risk: "low", message: `acl ${acl} is no longer defined or used` },
        ],
      },
      "before",
    );
  }
  for (const [acl, lines] of after) {
    const old = before.get(acl);
    const span = (lines[0] as Acl).span;
    if (!old) {
      plan.add({
        kind: "added",
        area: "route",
        section,
        subject: { frontend: now.name, acl },
        summary: `acl ${acl} added`,
        after: { definition: formatAcl(lines) },
        span,
        reasons: [{ code: "acl-added", risk: "low", message: `acl ${acl}: ${formatAcl(lines)}` }],
      });
      continue;
    }
    if (aclKey(old) === aclKey(lines)) continue;
    plan.add({
      kind: "changed",
      area: "route",
      section,
      subject: { frontend: now.name, acl },
      summary: `acl ${acl}: ${formatAcl(old)} -> ${formatAcl(lines)}`,
      before: { definition: formatAcl(old) },
      after: { definition: formatAcl(lines) },
      span,
      reasons: describeUses(acl),
    });
  }
}

function diffUseBackend(plan: PlanBuilder, was: Proxy, now: Proxy, after: RouteEntry[]): void {
  const before = entries(was);
  const section = sectionOf(now);
  const fallback = now.defaultBackend?.value;
  const aclsBefore = aclsByName(was);
  const aclsAfter = aclsByName(now);

  const same: [RouteEntry, RouteEntry][] = [];
  const retargeted: [RouteEntry, RouteEntry][] = [];
  const conditionChanged: [RouteEntry, RouteEntry][] = [];
  let [wasLeft, nowLeft] = pairBy(before, after, (e) => e.full, same);
  [wasLeft, nowLeft] = pairBy(wasLeft, nowLeft, (e) => e.route.backend, conditionChanged);
  [wasLeft, nowLeft] = pairBy(wasLeft, nowLeft, (e) => e.condition, retargeted);

  // Rules whose relative order changed: those outside a longest run kept in order.
  const pairs = [...same, ...conditionChanged, ...retargeted].sort((a, b) => a[0].index - b[0].index);
  const inOrder = longestIncreasing(pairs.map(([, n]) => n.index));
  const moved = new Set<RouteEntry>(pairs.filter((_, i) => !inOrder.has(i)).map(([, n]) => n));

  /** What a rule that now matches everything takes away from the rules after it. */
  const shadowReasons = (entry: RouteEntry): Reason[] => {
    if (entry.truth() !== "always") return [];
    const later = after.length - entry.index - 1;
    const parts: string[] = [];
    if (later > 0) parts.push(plural(later, "later use_backend rule"));
    if (fallback && fallback !== entry.route.backend) parts.push(`default backend ${fallback}`);
    if (parts.length === 0)
      return [
        {
          code: "route-matches-everything",
          risk: "medium",
          message: `use_backend ${entry.route.backend} now matches every request: it acts as the default backend`,
        },
      ];
    return [
      {
        code: "route-shadows-others",
        risk: "high",
        message: `use_backend ${entry.route.backend} now matches every request: no traffic reaches ${parts.join(" or ")}`,
      },
    ];
  };
  const targetReasons = (entry: RouteEntry): Reason[] => {
    if (entry.route.dynamic) return [];
    const target = plan.backendsAfter.get(entry.route.backend);
    if (!target)
      return [
        {
          code: "route-target-missing",
          risk: "high",
          message: `backend ${entry.route.backend} does not exist: HAProxy refuses to start`,
        },
      ];
    if (usableServers(target).length === 0)
      return [
        {
          code: "route-target-empty",
          risk: "high",
          message: `backend ${entry.route.backend} has no usable server: requests it takes get 503`,
        },
      ];
    return [];
  };
  const movedReason = (was: RouteEntry, now: RouteEntry): Reason => ({
    code: "route-moved",
    risk: "medium",
    message: `rule ${was.index + 1} -> ${now.index + 1}: a request several rules match may now go elsewhere`,
  });

  for (const [old, next] of same) {
    if (!moved.has(next)) continue;
    plan.add({
      kind: "changed",
      area: "route",
      section,
      subject: { frontend: now.name, route: next.route.backend },
      summary: `${routeText(next.route)}: moved`,
      before: { position: old.index + 1 },
      after: { position: next.index + 1 },
      span: next.route.span,
      reasons: [movedReason(old, next)],
    });
  }

  for (const [old, next] of conditionChanged) {
    const oldText = formatCondition(old.route.condition);
    const newText = formatCondition(next.route.condition);
    const reasons: Reason[] = [];
    if (oldText !== newText)
      reasons.push({ code: "route-condition-changed", risk: "medium", message: `${oldText} -> ${newText}` });
    // The same words, a different meaning: an ACL the condition names was redefined.
    for (const acl of aclNames(next.route.condition)) {
      const a = aclsBefore.get(acl);
      const b = aclsAfter.get(acl);
      if (a && b && aclKey(a) !== aclKey(b))
        reasons.push({
          code: "route-acl-changed",
          risk: "medium",
          message: `acl ${acl}: ${formatAcl(a)} -> ${formatAcl(b)}`,
        });
    }
    if (reasons.length === 0)
      reasons.push({ code: "route-condition-changed", risk: "medium", message: `${oldText} -> ${newText}` });
    if (old.truth() !== "always") reasons.push(...shadowReasons(next));
    if (next.truth() === "never" && old.truth() !== "never")
      reasons.push({
        code: "route-matches-nothing",
        risk: "medium",
        message: `use_backend ${next.route.backend} now matches no request: backend ${next.route.backend} loses this traffic`,
      });
    if (moved.has(next)) reasons.push(movedReason(old, next));
    plan.add({
      kind: "changed",
      area: "route",
      section,
      subject: { frontend: now.name, route: next.route.backend },
      summary:
        oldText === newText
          ? `${routeText(next.route)}: condition changed`
          : `use_backend ${next.route.backend}: ${oldText} -> ${newText}`,
      before: values(old),
      after: values(next),
      span: next.route.span,
      reasons,
    });
  }

  for (const [old, next] of retargeted) {
    const reasons: Reason[] = [
      {
        code: "route-target-changed",
        risk: "medium",
        message: `requests matching ${formatCondition(next.route.condition)} go to ${next.route.backend} instead of ${old.route.backend}`,
      },
      ...targetReasons(next),
    ];
    if (moved.has(next)) reasons.push(movedReason(old, next));
    plan.add({
      kind: "changed",
      area: "route",
      section,
      subject: { frontend: now.name, route: next.route.backend },
      summary: `use_backend ${old.route.backend} -> ${next.route.backend} ${formatCondition(next.route.condition)}`,
      before: values(old),
      after: values(next),
      span: next.route.span,
      reasons,
    });
  }

  const hasCatchAll = fallback !== undefined || after.some((e) => e.truth() === "always");
  for (const old of wasLeft) {
    plan.add({
      kind: "removed",
      area: "route",
      section,
      subject: { frontend: now.name, route: old.route.backend },
      summary: `${routeText(old.route)} removed`,
      before: values(old),
      span: old.route.span,
      reasons: [
        hasCatchAll
          ? {
              code: "route-removed",
              risk: "medium",
              message: `requests it matched fall through to later rules${fallback ? ` or default backend ${fallback}` : ""}`,
            }
          : {
              code: "route-removed-no-default",
              risk: "high",
              message: "requests it matched reach no backend unless a later rule matches: they get 503",
            },
      ],
    });
  }
  for (const next of nowLeft) {
    const reasons: Reason[] = [
      {
        code: "route-added",
        risk: "low",
        message: `requests matching ${formatCondition(next.route.condition)} go to ${next.route.backend}`,
      },
      ...shadowReasons(next),
      ...targetReasons(next),
    ];
    plan.add({
      kind: "added",
      area: "route",
      section,
      subject: { frontend: now.name, route: next.route.backend },
      summary: `${routeText(next.route)} added`,
      after: values(next),
      span: next.route.span,
      reasons,
    });
  }
}

function diffDefaultBackend(plan: PlanBuilder, was: Proxy, now: Proxy, after: RouteEntry[]): void {
  const old = was.defaultBackend;
  const next = now.defaultBackend;
  if (old?.value === next?.value) return;
  const section = sectionOf(now);
  const subject = { frontend: now.name, setting: "default_backend" };
  if (!next) {
    const catchAll = after.some((e) => e.truth() === "always");
    plan.add(
      {
        kind: "removed",
        area: "route",
        section,
        subject,
        summary: `default_backend ${old?.value} removed`,
        before: { default_backend: old?.value ?? null },
        span: old?.span ?? was.headerSpan,
        reasons: [
          catchAll
            ? {
                code: "default-backend-removed",
                risk: "low",
                message: "a use_backend rule matches every request",
              }
            : {
                code: "default-backend-removed",
                risk: "high",
                message: `requests no use_backend rule matches reach no backend (503) instead of ${old?.value}`,
              },
        ],
      },
      "before",
    );
    return;
  }
  const target = plan.backendsAfter.get(next.value);
  const reasons: Reason[] = [];
  if (old)
    reasons.push({
      code: "default-backend-changed",
      risk: "medium",
      message: `requests no use_backend rule matches go to ${next.value} instead of ${old.value}`,
    });
  else
    reasons.push({
      code: "default-backend-added",
      risk: "low",
      message: `requests no use_backend rule matches go to ${next.value} instead of getting 503`,
    });
  if (!target)
    reasons.push({
      code: "route-target-missing",
      risk: "high",
      message: `backend ${next.value} does not exist: HAProxy refuses to start`,
    });
  else if (usableServers(target).length === 0)
    reasons.push({
      code: "route-target-empty",
      risk: "high",
      message: `backend ${next.value} has no usable server: requests it takes get 503`,
    });
  plan.add({
    kind: old ? "changed" : "added",
    area: "route",
    section,
    subject,
    summary: old ? `default_backend ${old.value} -> ${next.value}` : `default_backend ${next.value} added`,
    ...(old ? { before: { default_backend: old.value } } : {}),
    after: { default_backend: next.value },
    span: next.span ?? now.headerSpan,
    reasons,
  });
}
