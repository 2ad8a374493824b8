import type { Effective } from "../model/effective.js";
import { isBackend, isFrontend, type Proxy } from "../model/proxy.js";
import type { SourceSpan } from "../model/span.js";
import { type PlanBuilder, type Side, sectionOf } from "./builder.js";
import { formatDuration, listNames, plural } from "./format.js";
import { THRESHOLDS } from "./risk.js";
import type { ChangeArea, ChangeKind, PlanSection, PlanValue, Reason, Subject } from "./types.js";

/** An effective value reduced to plan data. */
interface Value {
  value: PlanValue;
  origin: Effective<unknown>["origin"];
  span?: SourceSpan;
  via?: string;
}

/** One proxy setting the plan compares by its effective value. */
interface Setting {
  /** As HAProxy spells it: `timeout server`, `option redispatch`. */
  name: string;
  area: ChangeArea;
  applies(p: Proxy): boolean;
  get(p: Proxy): Value | undefined;
  show(v: PlanValue): string;
  judge(before: PlanValue, after: PlanValue): Reason[];
}

function value<T>(e: Effective<T> | undefined, map: (v: T) => PlanValue): Value | undefined {
  if (!e) return undefined;
  const out: Value = { value: map(e.value), origin: e.origin };
  if (e.span) out.span = e.span;
  if (e.via !== undefined) out.via = e.via;
  return out;
}

const plain = (v: PlanValue) => (v === null ? "(none)" : String(v));
const duration = (v: PlanValue) => (typeof v === "number" ? formatDuration(v) : plain(v));
const everyProxy = () => true;

/** Timeouts that only a side of a proxy reads; the others matter to both. */
const FRONTEND_TIMEOUTS = new Set(["client", "client-fin"]);
const BACKEND_TIMEOUTS = new Set(["connect", "server", "server-fin", "queue", "check", "tunnel"]);
/** Timeouts whose absence HAProxy warns about: without them connections can pile up forever. */
const ESSENTIAL_TIMEOUTS = new Set(["client", "connect", "server"]);

/** What switching an option off loses, for the options whose loss matters. */
const OPTION_LOSS: Record<string, string> = {
  redispatch: "requests to a failed server are no longer retried on another",
  forwardfor: "servers no longer see the client address in X-Forwarded-For",
  allbackups: "only the first backup takes traffic when every active server is down",
};

/** Options that choose how health checks talk to servers: any change can mark servers down. */
const CHECK_OPTIONS = new Set([
  "tcp-check",
  "ssl-hello-chk",
  "mysql-check",
  "pgsql-check",
  "redis-check",
  "smtpchk",
  "ldap-check",
  "spop-check",
]);

function cutOrSet(name: string, show: (v: PlanValue) => string, essential: boolean) {
  return (before: PlanValue, after: PlanValue): Reason[] => {
    if (before === null)
      return [{ code: "setting-added", risk: "low", message: `${name} set to ${show(after)}` }];
    if (after === null)
      return [
        essential
          ? {
              code: "setting-removed",
              risk: "medium",
              message: `${name} removed: connections may wait without limit`,
            }
          : { code: "setting-removed", risk: "low", message: `${name} ${show(before)} removed` },
      ];
    if (typeof before === "number" && typeof after === "number" && after < before * THRESHOLDS.cut)
      return [
        {
          code: "setting-cut",
          risk: "medium",
          message: `${name} ${show(before)} -> ${show(after)}: cut by more than half`,
        },
      ];
    return [{ code: "setting-changed", risk: "low", message: `${name} ${show(before)} -> ${show(after)}` }];
  };
}

function timeoutSetting(name: string): Setting {
  const label = `timeout ${name}`;
  return {
    name: label,
    area: "setting",
    applies: FRONTEND_TIMEOUTS.has(name) ? isFrontend : BACKEND_TIMEOUTS.has(name) ? isBackend : everyProxy,
    get: (p) => value(p.timeouts[name], (v) => v),
    show: duration,
    judge: cutOrSet(label, duration, ESSENTIAL_TIMEOUTS.has(name)),
  };
}

function optionSetting(name: string): Setting {
  const label = `option ${name}`;
  const show = (v: PlanValue) => (v === null ? "(unset)" : v ? "on" : "off");
  return {
    name: label,
    area: CHECK_OPTIONS.has(name) ? "backend" : "setting",
    applies: everyProxy,
    get: (p) => value(p.options[name], (v) => v),
    show,
    judge: (before, after) => {
      const on = after === true;
      if (CHECK_OPTIONS.has(name))
        return [
          {
            code: "health-check-changed",
            risk: "medium",
            message: `${label} ${on ? "on" : "off"}: health checks change, servers may be marked down`,
          },
        ];
      const loss = OPTION_LOSS[name];
      if (!on && before === true && loss)
        return [{ code: "option-off", risk: "medium", message: `${label} off: ${loss}` }];
      return [{ code: "option-changed", risk: "low", message: `${label} ${show(before)} -> ${show(after)}` }];
    },
  };
}

const FIXED: readonly Setting[] = [
  {
    name: "mode",
    area: "setting",
    applies: everyProxy,
    get: (p) => value(p.mode, (v) => v),
    show: plain,
    judge: (before, after) => [
      {
        code: "mode-changed",
        risk: "high",
        message:
          after === "tcp"
            ? `mode ${plain(before)} -> tcp: HTTP rules, headers and HTTP checks no longer apply`
            : `mode ${plain(before)} -> ${plain(after)}: clients that do not speak it are refused`,
      },
    ],
  },
  {
    name: "balance",
    area: "backend",
    applies: isBackend,
    get: (p) => value(p.balance, (b) => [b.algorithm, ...b.args].join(" ")),
    show: plain,
    judge: (before, after) => [
      {
        code: "balance-changed",
        risk: "medium",
        message: `balance ${plain(before)} -> ${plain(after)}: requests are spread differently, sessions may move`,
      },
    ],
  },
  {
    name: "hash-type",
    area: "backend",
    applies: isBackend,
    get: (p) => value(p.hashType, (h) => [h.method, h.function, h.modifier].filter(Boolean).join(" ")),
    show: plain,
    judge: (before, after) => [
      {
        code: "hash-type-changed",
        risk: "medium",
        message: `hash-type ${plain(before)} -> ${plain(after)}: most clients move to another server`,
      },
    ],
  },
  {
    name: "option httpchk",
    area: "backend",
    applies: isBackend,
    get: (p) => value(p.httpCheck, (c) => [c.method, c.uri, c.version].filter(Boolean).join(" ")),
    show: plain,
    judge: (before, after) =>
      after === null
        ? [
            {
              code: "health-check-changed",
              risk: "medium",
              message:
                "HTTP health checks removed: a server that accepts connections but fails requests stays in",
            },
          ]
        : [
            {
              code: "health-check-changed",
              risk: before === null ? "low" : "medium",
              message: `health checks send ${plain(after)}${before === null ? "" : ` instead of ${plain(before)}: servers that do not answer it are marked down`}`,
            },
          ],
  },
  {
    name: "retries",
    area: "setting",
    applies: isBackend,
    get: (p) => value(p.retries, (v) => v),
    show: plain,
    judge: (before, after) =>
      after === 0
        ? [{ code: "retries-off", risk: "medium", message: "retries 0: a failed connection is not retried" }]
        : [{ code: "setting-changed", risk: "low", message: `retries ${plain(before)} -> ${plain(after)}` }],
  },
  {
    name: "maxconn",
    area: "setting",
    applies: isFrontend,
    get: (p) => value(p.maxconn, (v) => v),
    show: plain,
    judge: cutOrSet("maxconn", plain, false),
  },
  {
    name: "fullconn",
    area: "setting",
    applies: isBackend,
    get: (p) => value(p.fullconn, (v) => v),
    show: plain,
    judge: cutOrSet("fullconn", plain, false),
  },
];

function settingsOf(was: Proxy, now: Proxy): Setting[] {
  const timeouts = new Set([...Object.keys(was.timeouts), ...Object.keys(now.timeouts)]);
  // `option httpchk` is compared through its resolved request (the FIXED entry).
  const options = new Set([...Object.keys(was.options), ...Object.keys(now.options)]);
  options.delete("httpchk");
  return [...FIXED, ...[...timeouts].sort().map(timeoutSetting), ...[...options].sort().map(optionSetting)];
}

function same(a: PlanValue | undefined, b: PlanValue | undefined): boolean {
  return (a ?? null) === (b ?? null);
}

function kindOf(before: PlanValue, after: PlanValue): ChangeKind {
  return before === null ? "added" : after === null ? "removed" : "changed";
}

/** A defaults section's change and the proxies whose effective value it changes. */
interface Group {
  setting: Setting;
  defaults: string;
  before: PlanValue;
  after: PlanValue;
  span: SourceSpan;
  side: Side;
  section: PlanSection;
  proxies: string[];
}

function proxySubject(proxy: Proxy, setting: string): Subject {
  if (proxy.kind === "frontend") return { frontend: proxy.name, setting };
  if (proxy.kind === "backend") return { backend: proxy.name, setting };
  return { frontend: proxy.name, backend: proxy.name, setting };
}

/**
 * Reports timeouts, retries, maxconn, mode, balancing, health-check requests and `option` flags
 * by their effective value in each proxy. A value a proxy inherits is reported once, at the
 * defaults line that changed, with the proxies it affects; a value a proxy writes itself is
 * reported for that proxy. Also reports the global maxconn.
 */
export function diffSettings(plan: PlanBuilder): void {
  diffGlobal(plan);
  const groups = new Map<string, Group>();
  const groupOf = (
    setting: Setting,
    defaults: string,
    before: Value | undefined,
    after: Value | undefined,
  ) => {
    const b = before?.value ?? null;
    const a = after?.value ?? null;
    const key = `${setting.name}\u0000${defaults}\u0000${JSON.stringify(b)}\u0000${JSON.stringify(a)}`;
    let group = groups.get(key);
    if (!group) {
      const side: Side = after?.span ? "after" : "before";
      const owner =
        side === "after"
          ? plan.after.defaults.find((d) => d.name === defaults)
          : plan.before.defaults.find((d) => d.name === defaults);
      group = {
        setting,
        defaults,
        before: b,
        after: a,
        span: after?.span ??
          before?.span ??
          owner?.headerSpan ?? { file: "", line: 0, column: 0, endLine: 0, endColumn: 0 },
        side,
        section: { kind: "defaults", name: defaults },
        proxies: [],
      };
      groups.set(key, group);
    }
    return group;
  };

  // Defaults sections, matched by name and, for repeated names, by occurrence.
  const seen = new Map<string, number>();
  const beforeDefaults = new Map<string, Proxy>();
  for (const d of plan.before.defaults) {
    const n = seen.get(d.name) ?? 0;
    seen.set(d.name, n + 1);
    beforeDefaults.set(`${d.name}#${n}`, d);
  }
  seen.clear();
  for (const now of plan.after.defaults) {
    const n = seen.get(now.name) ?? 0;
    seen.set(now.name, n + 1);
    const was = beforeDefaults.get(`${now.name}#${n}`);
    if (!was) continue;
    for (const setting of settingsOf(was, now)) {
      const b = setting.get(was);
      const a = setting.get(now);
      if (same(b?.value, a?.value)) continue;
      // A value this section itself inherits is reported at the section it comes from.
      if (b?.origin !== "section" && a?.origin !== "section") continue;
      groupOf(setting, now.name, b, a);
    }
  }

  for (const now of plan.after.proxies) {
    const was = plan.counterpart(now, "before");
    if (!was || was.kind !== now.kind || plan.unchanged(was, now)) continue;
    const name = now.name;
    for (const setting of settingsOf(was, now)) {
      if (!setting.applies(now)) continue;
      const b = setting.get(was);
      const a = setting.get(now);
      if (b === a || same(b?.value, a?.value)) continue;
      const inheritedBefore = b === undefined || b.origin === "defaults" || b.origin === "builtin";
      const inheritedAfter = a === undefined || a.origin === "defaults" || a.origin === "builtin";
      const viaBefore = b?.via;
      const viaAfter = a?.via;
      if (
        inheritedBefore &&
        inheritedAfter &&
        (viaBefore === undefined || viaAfter === undefined || viaBefore === viaAfter)
      ) {
        const via = viaAfter ?? viaBefore;
        if (via !== undefined) {
          groupOf(setting, via, b, a).proxies.push(name);
          continue;
        }
      }
      const before = b?.value ?? null;
      const after = a?.value ?? null;
      const side: Side = a?.origin === "section" || !b?.span ? "after" : "before";
      plan.add(
        {
          kind: kindOf(before, after),
          area: setting.area,
          section: sectionOf(now),
          subject: proxySubject(now, setting.name),
          summary: `${setting.name} ${setting.show(before)} -> ${setting.show(after)}`,
          before: { [setting.name]: before },
          after: { [setting.name]: after },
          span: (side === "after" ? a?.span : b?.span) ?? now.headerSpan,
          reasons: setting.judge(before, after),
        },
        side,
      );
    }
  }

  for (const group of groups.values()) {
    const { setting, before, after, proxies } = group;
    const reasons: Reason[] =
      proxies.length > 0
        ? [
            ...setting.judge(before, after),
            {
              code: "defaults-affects",
              risk: "low",
              message: `changes ${plural(proxies.length, "proxy", "proxies")}: ${listNames(proxies)}`,
            },
          ]
        : [{ code: "defaults-unused", risk: "low", message: "no proxy takes this value from here" }];
    plan.add(
      {
        kind: kindOf(before, after),
        area: setting.area,
        section: group.section,
        subject: { defaults: group.defaults, setting: setting.name },
        summary: `${setting.name} ${setting.show(before)} -> ${setting.show(after)}`,
        before: { [setting.name]: before },
        after: { [setting.name]: after },
        span: group.span,
        reasons,
        affects: proxies,
      },
      group.side,
    );
  }
}

function diffGlobal(plan: PlanBuilder): void {
  const b = plan.before.global.maxconn;
  const a = plan.after.global.maxconn;
  if (b?.value === a?.value) return;
  const before = b?.value ?? null;
  const after = a?.value ?? null;
  const reasons = cutOrSet("global maxconn", plain, false)(before, after);
  plan.add(
    {
      kind: kindOf(before, after),
      area: "setting",
      section: { kind: "global", name: "" },
      subject: { global: true, setting: "maxconn" },
      summary: `maxconn ${plain(before)} -> ${plain(after)}`,
      before: { maxconn: before },
      after: { maxconn: after },
      span: (a ?? b)?.span ??
        plan.after.global.span ?? { file: "", line: 0, column: 0, endLine: 0, endColumn: 0 },
      reasons,
    },
    a ? "after" : "before",
  );
}
