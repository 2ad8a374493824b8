import type { Config } from "../model/config.js";
import type { Origin } from "../model/effective.js";
import type { Proxy } from "../model/proxy.js";
import type { Server } from "../model/server.js";
import type { SourceSpan } from "../model/span.js";
import { isHealthChecked, serverRole } from "../rules/semantics/server-pool.js";
import { type PlanBuilder, type Side, sectionOf } from "./builder.js";
import { formatDuration, formatShare, listNames, plural } from "./format.js";
import { usableServers, weightShares } from "./pool.js";
import { THRESHOLDS } from "./risk.js";
import type { PlanSection, PlanValue, Reason, Subject } from "./types.js";

/** One server attribute the plan compares. */
interface Field {
  name: string;
  get(s: Server): PlanValue;
  /** Where the value came from; undefined for what only the server line can say (its address). */
  origin(s: Server): { origin: Origin; span?: SourceSpan } | undefined;
  show(v: PlanValue): string;
}

const plain = (v: PlanValue) => (v === null ? "(none)" : String(v));
const duration = (v: PlanValue) => (typeof v === "number" ? formatDuration(v) : plain(v));

/** A key equal for addresses HAProxy connects to identically. */
function addressKey(s: Server): string {
  const a = s.address;
  return `${a.kind}|${a.host.toLowerCase()}|${a.portOffset ? "+" : ""}${a.port ?? ""}`;
}

const FIELDS: readonly Field[] = [
  { name: "address", get: (s) => s.address.text, origin: () => undefined, show: plain },
  {
    name: "weight",
    get: (s) => s.settings.weight.value,
    origin: (s) => s.settings.weight,
    show: plain,
  },
  {
    name: "backup",
    get: (s) => s.settings.backup.value,
    origin: (s) => s.settings.backup,
    show: plain,
  },
  {
    name: "disabled",
    get: (s) => s.settings.disabled.value,
    origin: (s) => s.settings.disabled,
    show: plain,
  },
  { name: "check", get: (s) => s.settings.check.value, origin: (s) => s.settings.check, show: plain },
  { name: "inter", get: (s) => s.settings.inter.value, origin: (s) => s.settings.inter, show: duration },
  { name: "fall", get: (s) => s.settings.fall.value, origin: (s) => s.settings.fall, show: plain },
  { name: "rise", get: (s) => s.settings.rise.value, origin: (s) => s.settings.rise, show: plain },
  {
    name: "check port",
    get: (s) => s.settings.checkPort?.value ?? null,
    origin: (s) => s.settings.checkPort ?? { origin: "builtin" },
    show: plain,
  },
  {
    name: "maxconn",
    get: (s) => s.settings.maxconn?.value ?? null,
    origin: (s) => s.settings.maxconn ?? { origin: "builtin" },
    show: plain,
  },
  { name: "ssl", get: (s) => s.settings.ssl.value, origin: (s) => s.settings.ssl, show: plain },
];

/** What one changed attribute means, with no knowledge of the rest of the pool. */
function judgeField(field: string, server: string, before: PlanValue, after: PlanValue): Reason[] {
  switch (field) {
    case "weight":
      if (after === 0)
        return [
          { code: "server-drained", risk: "medium", message: `${server} weight 0: it takes no new traffic` },
        ];
      if (before === 0)
        return [
          {
            code: "server-undrained",
            risk: "medium",
            message: `${server} takes traffic again (weight ${plain(after)})`,
          },
        ];
      return [
        {
          code: "server-weight-changed",
          risk: "low",
          message: `${server} weight ${plain(before)} -> ${plain(after)}`,
        },
      ];
    case "backup":
      return after
        ? [
            {
              code: "server-now-backup",
              risk: "medium",
              message: `${server} becomes a backup: it takes traffic only when no active server is up`,
            },
          ]
        : [
            {
              code: "server-now-active",
              risk: "medium",
              message: `${server} is no longer a backup: it takes live traffic`,
            },
          ];
    case "disabled":
      return after
        ? [{ code: "server-disabled", risk: "medium", message: `${server} disabled: it takes no traffic` }]
        : [{ code: "server-enabled", risk: "low", message: `${server} enabled: it takes traffic again` }];
    case "check":
      return after
        ? [{ code: "server-check-added", risk: "low", message: `${server} is now health-checked` }]
        : [
            {
              code: "server-check-removed",
              risk: "medium",
              message: `health checks of ${server} removed: when it fails, HAProxy keeps sending it requests`,
            },
          ];
    case "maxconn":
      if (
        typeof before === "number" &&
        (after === null || (typeof after === "number" && after >= before * THRESHOLDS.cut))
      )
        return [
          {
            code: "server-maxconn-changed",
            risk: "low",
            message: `${server} maxconn ${plain(before)} -> ${plain(after)}`,
          },
        ];
      if (typeof before === "number")
        return [
          {
            code: "server-maxconn-cut",
            risk: "medium",
            message: `${server} maxconn ${before} -> ${plain(after)}: requests beyond it queue`,
          },
        ];
      return [
        { code: "server-maxconn-changed", risk: "low", message: `${server} maxconn ${plain(after)} added` },
      ];
    case "ssl":
      return [
        {
          code: "server-tls-changed",
          risk: "medium",
          message: after
            ? `HAProxy now speaks TLS to ${server}: a plain-HTTP server fails every request`
            : `HAProxy now speaks plain HTTP to ${server}: a TLS-only server fails every request`,
        },
      ];
    case "inter":
      return [
        {
          code: "server-check-timing",
          risk: "low",
          message: `${server} check inter ${duration(before)} -> ${duration(after)}`,
        },
      ];
    default:
      return [
        {
          code: "server-check-timing",
          risk: "low",
          message: `${server} ${field} ${plain(before)} -> ${plain(after)}`,
        },
      ];
  }
}

/** Attribute changes that come from one default-server line rather than the server lines. */
interface Group {
  field: Field;
  before: PlanValue;
  after: PlanValue;
  span: SourceSpan;
  side: Side;
  servers: string[];
}

/** The section (defaults, backend or listen) whose lines include `span`. */
function sectionAt(config: Config, span: SourceSpan): Proxy | undefined {
  return [...config.defaults, ...config.proxies].find(
    (p) => p.span.file === span.file && p.span.line <= span.line && span.line <= p.span.endLine,
  );
}

function inherited(origin: { origin: Origin } | undefined): boolean {
  return origin !== undefined && origin.origin !== "section";
}

/**
 * Reports, per backend present on both sides, servers added, removed and changed (matched by
 * name): address, weight, backup, disabled, check and its timing, maxconn, TLS. Attribute
 * changes that come from a default-server line are reported once, for the line, with the
 * servers they affect. Without a traffic prediction for a backend, each server's share is
 * estimated from the weights and a large move is reported.
 */
export function diffServers(plan: PlanBuilder): void {
  const groups = new Map<string, Group>();
  for (const [name, now] of plan.backendsAfter) {
    const was = plan.backendsBefore.get(name);
    if (was && !plan.unchanged(was, now)) diffPool(plan, was, now, groups);
  }
  for (const group of groups.values()) {
    const config = group.side === "after" ? plan.after : plan.before;
    const owner = sectionAt(config, group.span);
    const section: PlanSection = owner ? sectionOf(owner) : { kind: "defaults", name: "" };
    const subject: Subject =
      section.kind === "defaults" ? { defaults: section.name } : { backend: section.name };
    subject.setting = `default-server ${group.field.name}`;
    const reasons = judgeField(group.field.name, "every server", group.before, group.after);
    reasons.push({
      code: "default-server-affects",
      risk: "low",
      message: `applies to ${plural(group.servers.length, "server")}: ${listNames(group.servers)}`,
    });
    plan.add(
      {
        kind: "changed",
        area: "server",
        section,
        subject,
        summary: `default-server ${group.field.name} ${group.field.show(group.before)} -> ${group.field.show(group.after)}`,
        before: { [group.field.name]: group.before },
        after: { [group.field.name]: group.after },
        span: group.span,
        reasons,
        affects: group.servers,
      },
      group.side,
    );
  }
}

function diffPool(plan: PlanBuilder, was: Proxy, now: Proxy, groups: Map<string, Group>): void {
  const backend = now.name;
  const section = sectionOf(now);
  const simulated = plan.predicted(backend);
  // Predicted shares when there are predictions, else what the weights say.
  const sharesBefore = plan.predictedShares("before", backend) ?? weightShares(was);
  const sharesAfter = plan.predictedShares("after", backend) ?? weightShares(now);
  const wasByName = new Map<string, Server>();
  for (const s of was.servers) if (!wasByName.has(s.name)) wasByName.set(s.name, s);
  const nowByName = new Map<string, Server>();
  for (const s of now.servers) if (!nowByName.has(s.name)) nowByName.set(s.name, s);

  // Whether no usable server stays at an address that served before (all moved, or replaced by
  // new servers): then nothing in the pool is known to answer.
  const usable = usableServers(now);
  const known = new Set(usableServers(was).map(addressKey));
  const allMove = usable.length > 0 && known.size > 0 && usable.every((s) => !known.has(addressKey(s)));

  const shareOf = (shares: Map<string, number> | undefined, server: string) => shares?.get(server);

  for (const [serverName, old] of wasByName) {
    if (nowByName.has(serverName)) continue;
    const share = shareOf(sharesBefore, serverName);
    plan.add({
      kind: "removed",
      area: "server",
      section,
      subject: { backend, server: serverName },
      summary: `server ${serverName} removed`,
      before: { address: old.address.text, weight: old.settings.weight.value },
      span: old.span,
      reasons: [
        {
          code: "server-removed",
          risk: "low",
          message:
            share !== undefined && share > 0
              ? `its ${formatShare(share)} of ${backend}'s requests moves to the other servers`
              : `${serverName} took no traffic while the others were up`,
        },
      ],
    });
  }

  // The port shared by every server that stays in the pool, to spot one added on another service.
  const ports = new Set<number | undefined>();
  for (const s of now.servers) if (wasByName.has(s.name)) ports.add(s.address.port);
  const commonPort = ports.size === 1 ? [...ports][0] : undefined;
  const othersChecked =
    now.servers.some((s) => wasByName.has(s.name)) &&
    now.servers.every((s) => !wasByName.has(s.name) || isHealthChecked(s));

  for (const [serverName, server] of nowByName) {
    const old = wasByName.get(serverName);
    const shareBefore = shareOf(sharesBefore, serverName);
    const shareAfter = shareOf(sharesAfter, serverName);
    if (!old) {
      const reasons: Reason[] = [
        {
          code: "server-added",
          risk: "low",
          message:
            shareAfter !== undefined
              ? `${serverName} takes ${formatShare(shareAfter)} of ${backend}'s requests`
              : `${serverName} joins ${backend} as ${serverRole(server)}`,
        },
      ];
      if (commonPort !== undefined && server.address.port !== undefined && server.address.port !== commonPort)
        reasons.push({
          code: "server-port-differs",
          risk: "medium",
          message: `${serverName} uses port ${server.address.port}, the other servers of ${backend} ${commonPort}: is it the same service?`,
        });
      if (allMove && serverRole(server) !== "off") reasons.push(poolMoves(server, backend, usable.length));
      if (othersChecked && !isHealthChecked(server) && serverRole(server) !== "off")
        reasons.push({
          code: "server-added-unchecked",
          risk: "medium",
          message: `${serverName} has no health check, unlike the other servers of ${backend}: if it fails, its share fails`,
        });
      plan.add({
        kind: "added",
        area: "server",
        section,
        subject: { backend, server: serverName },
        summary: `server ${serverName} ${server.address.text} added`,
        after: {
          address: server.address.text,
          weight: server.settings.weight.value,
          check: server.settings.check.value,
          backup: server.settings.backup.value,
        },
        span: server.span,
        reasons,
      });
      continue;
    }

    const before: Record<string, PlanValue> = {};
    const after: Record<string, PlanValue> = {};
    const parts: string[] = [];
    const reasons: Reason[] = [];
    for (const field of FIELDS) {
      const a = field.get(old);
      const b = field.get(server);
      if (field.name === "address" ? addressKey(old) === addressKey(server) : a === b) continue;
      const originBefore = field.origin(old);
      const originAfter = field.origin(server);
      if (inherited(originBefore) && inherited(originAfter)) {
        const side: Side = originAfter?.span ? "after" : "before";
        const span = originAfter?.span ?? originBefore?.span;
        if (span) {
          const key = `${field.name}\u0000${JSON.stringify(a)}\u0000${JSON.stringify(b)}\u0000${span.file}:${span.line}`;
          let group = groups.get(key);
          if (!group) {
            group = { field, before: a, after: b, span, side, servers: [] };
            groups.set(key, group);
          }
          group.servers.push(`${backend}/${serverName}`);
          continue;
        }
      }
      before[field.name] = a;
      after[field.name] = b;
      parts.push(`${field.name} ${field.show(a)} -> ${field.show(b)}`);
      if (field.name !== "address") reasons.push(...judgeField(field.name, serverName, a, b));
    }
    if (before.address !== undefined)
      reasons.unshift(...addressReasons(server, backend, shareAfter, allMove, usable.length));
    // With predictions on both sides the traffic comparison judges shares (diffTraffic).
    if (
      !simulated &&
      shareBefore !== undefined &&
      shareAfter !== undefined &&
      Math.abs(shareAfter - shareBefore) > THRESHOLDS.shareMove
    )
      reasons.push({
        code: "share-moved",
        risk: "medium",
        message: `${serverName} share ${formatShare(shareBefore)} -> ${formatShare(shareAfter)} (by weight)`,
      });
    if (parts.length === 0) {
      // Nothing on its line changed, but its share did: another server's weight or state moved it.
      if (reasons.length > 0)
        plan.add({
          kind: "changed",
          area: "traffic",
          section,
          subject: { backend, server: serverName },
          summary: `server ${serverName}: share ${formatShare(shareBefore ?? 0)} -> ${formatShare(shareAfter ?? 0)}`,
          before: { share: shareBefore ?? null },
          after: { share: shareAfter ?? null },
          span: server.span,
          reasons,
        });
      continue;
    }
    if (shareBefore !== undefined && shareAfter !== undefined) {
      before.share = shareBefore;
      after.share = shareAfter;
    }
    plan.add({
      kind: "changed",
      area: "server",
      section,
      subject: { backend, server: serverName },
      summary: `server ${serverName}: ${parts.join(", ")}`,
      before,
      after,
      span: server.span,
      reasons,
    });
  }
}

/** Why moving a server to another address is risky, worst first. */
function addressReasons(
  server: Server,
  backend: string,
  share: number | undefined,
  allMove: boolean,
  usable: number,
): Reason[] {
  const out: Reason[] = [];
  const address = server.address.text;
  if (allMove) out.push(poolMoves(server, backend, usable));
  if (!isHealthChecked(server) && serverRole(server) !== "off")
    out.push({
      code: "moved-unchecked",
      risk: "high",
      message: `${server.name} has no health check: if nothing answers at ${address}, its ${share !== undefined ? `${formatShare(share)} ` : ""}share of requests fails`,
    });
  out.push({
    code: "server-moved",
    risk: "medium",
    message: `${server.name} now at ${address}: nothing in this change shows it answers there`,
  });
  return out;
}

/** Why a pool where no server stays at an address that answered before is high. */
function poolMoves(server: Server, backend: string, usable: number): Reason {
  return {
    code: "pool-moves",
    risk: "high",
    message:
      usable > 1
        ? `every server of ${backend} moves at once: none is known to answer at its new address`
        : `${server.name} is the only usable server of ${backend}: if nothing answers at ${server.address.text}, every request fails`,
  };
}
