import type { BackendPrediction, ServerPrediction } from "../simulate/types.js";
import type { PlanBuilder } from "./builder.js";
import { formatRps, formatShare } from "./format.js";
import { riskRank, THRESHOLDS } from "./risk.js";
import type { BackendTraffic, Reason, ServerTraffic, Subject, TrafficPoint } from "./types.js";

function point(s: ServerPrediction | undefined): TrafficPoint | undefined {
  return s && { share: s.share, rps: s.rps, state: s.state };
}

/** Union of two lists by name: AFTER's order, then what only BEFORE has, in its order. */
function union<T extends { name: string }>(
  before: readonly T[],
  after: readonly T[],
): [string, T | undefined, T | undefined][] {
  // Most lists name the same things in the same order: pair them without building maps.
  if (before.length === after.length && before.every((x, i) => x.name === after[i]?.name))
    return after.map((x, i) => [x.name, before[i], x]);
  const was = new Map(before.map((x) => [x.name, x]));
  const now = new Map(after.map((x) => [x.name, x]));
  const out: [string, T | undefined, T | undefined][] = [];
  for (const [name, x] of now) out.push([name, was.get(name), x]);
  for (const [name, x] of was) if (!now.has(name)) out.push([name, x, undefined]);
  return out;
}

/** What one server's predicted traffic before and after says about the change. */
function serverReasons(
  name: string,
  was: ServerPrediction | undefined,
  now: ServerPrediction | undefined,
): Reason[] {
  const out: Reason[] = [];
  if (!now) return out;
  const busy = now.rps >= THRESHOLDS.minRateRps;
  if (now.role !== undefined && now.role !== "web" && busy) {
    const already = was !== undefined && was.rps >= THRESHOLDS.minRateRps && was.role === now.role;
    out.push({
      code: "traffic-to-non-web",
      risk: already ? "medium" : "high",
      message: `${name} is a ${now.role} server (inventory) and ${already ? "still " : ""}gets ${formatRps(now.rps)} req/s (${formatShare(now.share)})`,
    });
  }
  if (now.capacityRps !== undefined && now.rps > now.capacityRps * THRESHOLDS.capacityUtilisation) {
    const worse = !was || was.rps < now.rps || was.rps <= now.capacityRps * THRESHOLDS.capacityUtilisation;
    out.push({
      code: "over-capacity",
      risk: worse ? "high" : "medium",
      message: `${name} at ${formatRps(now.rps)} req/s, over its capacity of ${formatRps(now.capacityRps)} (${Math.round((now.rps / now.capacityRps) * 100)}%)`,
    });
  }
  if (was) {
    if (busy && now.rps > was.rps * THRESHOLDS.rateGrowth)
      out.push({
        code: "rate-jump",
        risk: "medium",
        message:
          was.rps < THRESHOLDS.minRateRps
            ? `${name} starts taking ${formatRps(now.rps)} req/s (was ${formatRps(was.rps)})`
            : `${name} rate ${formatRps(was.rps)} -> ${formatRps(now.rps)} req/s (x${(now.rps / was.rps).toFixed(1)})`,
      });
    if (Math.abs(now.share - was.share) > THRESHOLDS.shareMove)
      out.push({
        code: "share-moved",
        risk: "medium",
        message: `${name} share ${formatShare(was.share)} -> ${formatShare(now.share)}`,
      });
  }
  return out;
}

function backendReasons(
  name: string,
  was: BackendPrediction | undefined,
  now: BackendPrediction | undefined,
): Reason[] {
  if (!now || now.rps <= 0) return [];
  const before = was?.unservedShare ?? 0;
  if (now.unservedShare >= THRESHOLDS.unservedAll && before < THRESHOLDS.unservedAll)
    return [
      {
        code: "backend-loses-servers",
        risk: "high",
        message: `${name} has no usable server: its ${formatRps(now.rps)} req/s get 503`,
      },
    ];
  if (now.unservedShare - before > THRESHOLDS.unservedRise)
    return [
      {
        code: "unserved-rise",
        risk: "medium",
        message: `${formatShare(now.unservedShare)} of ${name}'s requests find no server (was ${formatShare(before)})`,
      },
    ];
  return [];
}

/**
 * Compares the two traffic predictions: per backend and server, share and rate before and
 * after; raises the risk of the matching change (or adds a traffic change when no line of that
 * element changed) when a server's rate more than doubles, its share moves by more than 20
 * points, it goes over its inventory capacity, it is not a web server yet gets traffic, a
 * backend loses every usable server, or a frontend's requests stop reaching any backend.
 */
export function diffTraffic(plan: PlanBuilder): BackendTraffic[] {
  const { before, after } = plan.predictions;
  if (!before && !after) return [];
  const out: BackendTraffic[] = [];

  const attach = (
    subject: Subject,
    reasons: Reason[],
    summary: () => string,
    values: () => { before?: Record<string, number>; after?: Record<string, number> },
  ) => {
    const existing = plan.find(subject);
    if (existing) {
      plan.addReasons(existing, reasons);
      return;
    }
    // Traffic that moved without a line of its own changing is worth a line only when it matters.
    if (!reasons.some((r) => riskRank(r.risk) >= riskRank("medium"))) return;
    const located = locate(plan, subject);
    if (!located) return;
    plan.add(
      {
        kind: "changed",
        area: "traffic",
        section: located.section,
        subject,
        summary: summary(),
        ...values(),
        span: located.span,
        reasons,
      },
      located.side,
    );
  };

  for (const [name, was, now] of union(before?.backends ?? [], after?.backends ?? [])) {
    const servers: ServerTraffic[] = [];
    for (const [server, s0, s1] of union(was?.servers ?? [], now?.servers ?? [])) {
      const entry: ServerTraffic = { server };
      const p0 = point(s0);
      const p1 = point(s1);
      if (p0) entry.before = p0;
      if (p1) entry.after = p1;
      const capacity = s1?.capacityRps ?? s0?.capacityRps;
      if (capacity !== undefined) entry.capacityRps = capacity;
      const role = s1?.role ?? s0?.role;
      if (role !== undefined) entry.role = role;
      servers.push(entry);
      const reasons = serverReasons(server, s0, s1);
      if (reasons.length > 0)
        attach(
          { backend: name, server },
          reasons,
          () => `server ${server}: ${formatRps(s0?.rps ?? 0)} -> ${formatRps(s1?.rps ?? 0)} req/s`,
          () => ({
            ...(s0 ? { before: { share: s0.share, rps: s0.rps } } : {}),
            ...(s1 ? { after: { share: s1.share, rps: s1.rps } } : {}),
          }),
        );
    }
    const traffic: BackendTraffic = { backend: name, servers };
    if (was) traffic.before = { rps: was.rps, unservedShare: was.unservedShare };
    if (now) traffic.after = { rps: now.rps, unservedShare: now.unservedShare };
    out.push(traffic);
    const reasons = backendReasons(name, was, now);
    if (reasons.length > 0)
      attach(
        { backend: name },
        reasons,
        () => `backend ${name}: ${formatRps(was?.rps ?? 0)} -> ${formatRps(now?.rps ?? 0)} req/s`,
        () => ({
          ...(was ? { before: { rps: was.rps, unservedShare: was.unservedShare } } : {}),
          ...(now ? { after: { rps: now.rps, unservedShare: now.unservedShare } } : {}),
        }),
      );
  }

  for (const [name, was, now] of union(before?.frontends ?? [], after?.frontends ?? [])) {
    if (!now || now.rps <= 0) continue;
    const rise = now.unroutedShare - (was?.unroutedShare ?? 0);
    if (rise <= THRESHOLDS.unroutedRise) continue;
    attach(
      { frontend: name },
      [
        {
          code: "requests-unrouted",
          risk: "high",
          message: `${formatShare(now.unroutedShare)} of ${name}'s requests (${formatRps(now.rps * now.unroutedShare)} req/s) reach no backend: 503`,
        },
      ],
      () =>
        `frontend ${name}: requests reaching no backend ${formatShare(was?.unroutedShare ?? 0)} -> ${formatShare(now.unroutedShare)}`,
      () => ({
        ...(was ? { before: { unroutedShare: was.unroutedShare } } : {}),
        after: { unroutedShare: now.unroutedShare },
      }),
    );
  }
  return out;
}

/** Where a traffic-only change points: the element's line in AFTER, else in BEFORE. */
function locate(plan: PlanBuilder, subject: Subject) {
  for (const side of ["after", "before"] as const) {
    const backends = side === "after" ? plan.backendsAfter : plan.backendsBefore;
    const frontends = side === "after" ? plan.frontendsAfter : plan.frontendsBefore;
    if (subject.frontend !== undefined) {
      const f = frontends.get(subject.frontend);
      if (f) return { side, span: f.headerSpan, section: { kind: f.kind, name: f.name } };
      continue;
    }
    const b = subject.backend === undefined ? undefined : backends.get(subject.backend);
    if (!b) continue;
    if (subject.server === undefined)
      return { side, span: b.headerSpan, section: { kind: b.kind, name: b.name } };
    const s = b.servers.find((x) => x.name === subject.server);
    if (s) return { side, span: s.span, section: { kind: b.kind, name: b.name } };
  }
  return undefined;
}
