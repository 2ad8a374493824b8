import type { Config } from "../model/config.js";
import type { Bind, Proxy } from "../model/proxy.js";
import type { Address } from "../model/server.js";
import { isDisabled } from "../rules/semantics/proxy-disabled.js";
import { type PlanBuilder, sectionOf } from "./builder.js";
import { listNames } from "./format.js";
import type { Reason } from "./types.js";

/** One listening address of a frontend, with the bind line that opens it. */
interface Listening {
  address: Address;
  bind: Bind;
}

/**
 * A key equal for addresses HAProxy listens on identically: `*:80`, `:80` and `0.0.0.0:80` are
 * one address; sockets are compared by path.
 */
export function addressKey(address: Address): string {
  if (address.kind === "unix" || address.kind === "abstract") return `${address.kind}:${address.host}`;
  if (address.kind === "other") return address.text;
  const range = address.portEnd === undefined ? "" : `-${address.portEnd}`;
  return `${address.host.toLowerCase()}:${address.port ?? ""}${range}`;
}

/** The addresses a frontend listens on, by key; none when the section is disabled. */
function listening(proxy: Proxy, config: Config): Map<string, Listening> {
  const out = new Map<string, Listening>();
  if (isDisabled(proxy, config)) return out;
  for (const bind of proxy.binds)
    for (const address of bind.addresses) {
      const key = addressKey(address);
      if (!out.has(key)) out.set(key, { address, bind });
    }
  return out;
}

/** A bind line's options as comparable text: `ssl crt /etc/x.pem alpn h2`. */
function bindOptions(bind: Bind): string {
  return Object.entries(bind.options)
    .map(([name, words]) => [name, ...words.map((w) => w.text)].join(" "))
    .sort()
    .join(" ");
}

/**
 * Reports frontends and listen sections added or removed, and per frontend the listening
 * addresses added, removed or moved and the bind options changed on one address. Losing an
 * address is high: clients connecting there are refused.
 */
export function diffListeners(plan: PlanBuilder): void {
  const { before, after } = plan;
  // Which frontend listens where in AFTER, so that an address taken over by another frontend
  // reads as moved rather than dropped.
  const ownerAfter = new Map<string, string>();
  for (const f of after.frontends) for (const key of listening(f, after).keys()) ownerAfter.set(key, f.name);

  const refused = (key: string, address: Address, from: string): Reason => {
    const owner = ownerAfter.get(key);
    if (owner !== undefined && owner !== from)
      return {
        code: "bind-moved-frontend",
        risk: "medium",
        message: `bind ${address.text} is now served by frontend ${owner}: its clients get that frontend's rules`,
      };
    return {
      code: "bind-removed",
      risk: "high",
      message: `bind ${address.text} removed: clients connecting there are refused`,
    };
  };

  for (const [name, gone] of plan.frontendsBefore) {
    if (plan.frontendsAfter.has(name)) continue;
    const addresses = [...listening(gone, before)];
    plan.add({
      kind: "removed",
      area: "listener",
      section: sectionOf(gone),
      subject: { frontend: name },
      summary: `${gone.kind} ${name} removed`,
      before: { kind: gone.kind, binds: addresses.map(([, l]) => l.address.text) },
      span: gone.headerSpan,
      reasons:
        addresses.length > 0
          ? addresses.map(([key, l]) => refused(key, l.address, name))
          : [
              {
                code: "frontend-removed-unbound",
                risk: "low",
                message: `${gone.kind} ${name} listened on no address`,
              },
            ],
    });
  }

  for (const [name, now] of plan.frontendsAfter) {
    const was = plan.frontendsBefore.get(name);
    if (!was) {
      const addresses = [...listening(now, after).values()].map((l) => l.address.text);
      plan.add({
        kind: "added",
        area: "listener",
        section: sectionOf(now),
        subject: { frontend: name },
        summary: `${now.kind} ${name} added`,
        after: { kind: now.kind, binds: addresses },
        span: now.headerSpan,
        reasons: [
          {
            code: "frontend-added",
            risk: "low",
            message:
              addresses.length > 0
                ? `listens on ${listNames(addresses)}`
                : `${now.kind} ${name} binds no address`,
          },
        ],
      });
      continue;
    }
    if (!plan.unchanged(was, now)) diffFrontend(plan, was, now, listening(now, after), refused);
  }
}

function diffFrontend(
  plan: PlanBuilder,
  was: Proxy,
  now: Proxy,
  nowListening: Map<string, Listening>,
  refused: (key: string, address: Address, from: string) => Reason,
): void {
  const name = now.name;
  const section = sectionOf(now);
  const wasDisabled = isDisabled(was, plan.before);
  const nowDisabled = isDisabled(now, plan.after);
  const wasListening = listening(was, plan.before);

  if (was.kind !== now.kind) {
    plan.add({
      kind: "changed",
      area: "listener",
      section,
      subject: { frontend: name },
      summary: `${name}: ${was.kind} -> ${now.kind}`,
      before: { kind: was.kind },
      after: { kind: now.kind },
      span: now.headerSpan,
      reasons: [
        {
          code: "section-kind-changed",
          risk: "low",
          message: `section ${name} is now a ${now.kind} (was a ${was.kind})`,
        },
      ],
    });
  }

  if (wasDisabled !== nowDisabled) {
    const addresses = [...(nowDisabled ? wasListening : nowListening).values()].map((l) => l.address.text);
    plan.add({
      kind: "changed",
      area: "listener",
      section,
      subject: { frontend: name, setting: "disabled" },
      summary: `${now.kind} ${name} ${nowDisabled ? "disabled" : "enabled"}`,
      before: { disabled: wasDisabled },
      after: { disabled: nowDisabled },
      span: now.headerSpan,
      reasons: nowDisabled
        ? [
            {
              code: "frontend-disabled",
              risk: addresses.length > 0 ? "high" : "low",
              message:
                addresses.length > 0
                  ? `${name} stops listening on ${listNames(addresses)}: clients connecting there are refused`
                  : `${name} is disabled`,
            },
          ]
        : [
            {
              code: "frontend-enabled",
              risk: "low",
              message: `${name} starts listening on ${listNames(addresses)}`,
            },
          ],
    });
    // The enable/disable entry already names every address.
    return;
  }

  const removed = [...wasListening].filter(([key]) => !nowListening.has(key));
  const added = [...nowListening].filter(([key]) => !wasListening.has(key));
  // An address replaced by another on the same line reads as a move (`:8080` -> `:8081`).
  const moves = Math.min(removed.length, added.length);
  for (let i = 0; i < moves; i++) {
    const [oldKey, old] = removed[i] as [string, Listening];
    const [, next] = added[i] as [string, Listening];
    const why = refused(oldKey, old.address, name);
    plan.add({
      kind: "changed",
      area: "listener",
      section,
      subject: { frontend: name, bind: old.address.text },
      summary: `bind ${old.address.text} -> ${next.address.text}`,
      before: { address: old.address.text },
      after: { address: next.address.text },
      span: next.bind.span,
      reasons: [
        why.code === "bind-removed"
          ? {
              code: "bind-moved",
              risk: "high",
              message: `bind ${old.address.text} moved to ${next.address.text}: clients connecting to ${old.address.text} are refused`,
            }
          : why,
      ],
    });
  }
  for (const [key, old] of removed.slice(moves)) {
    plan.add({
      kind: "removed",
      area: "listener",
      section,
      subject: { frontend: name, bind: old.address.text },
      summary: `bind ${old.address.text} removed`,
      before: { address: old.address.text },
      span: old.bind.span,
      reasons: [refused(key, old.address, name)],
    });
  }
  for (const [, next] of added.slice(moves)) {
    plan.add({
      kind: "added",
      area: "listener",
      section,
      subject: { frontend: name, bind: next.address.text },
      summary: `bind ${next.address.text} added`,
      after: { address: next.address.text, ssl: next.bind.ssl },
      span: next.bind.span,
      reasons: [{ code: "bind-added", risk: "low", message: `${name} also listens on ${next.address.text}` }],
    });
  }

  for (const [key, next] of nowListening) {
    const old = wasListening.get(key);
    if (!old) continue;
    const oldOptions = bindOptions(old.bind);
    const newOptions = bindOptions(next.bind);
    if (oldOptions === newOptions) continue;
    const reasons: Reason[] = [];
    if (old.bind.ssl !== next.bind.ssl)
      reasons.push({
        code: "bind-tls-changed",
        risk: "high",
        message: next.bind.ssl
          ? `${next.address.text} now expects TLS: plain-HTTP clients fail`
          : `${next.address.text} no longer speaks TLS: HTTPS clients fail`,
      });
    else
      reasons.push({
        code: "bind-options-changed",
        risk: "low",
        message: `options of ${next.address.text}: ${oldOptions || "(none)"} -> ${newOptions || "(none)"}`,
      });
    plan.add({
      kind: "changed",
      area: "listener",
      section,
      subject: { frontend: name, bind: next.address.text },
      summary: `bind ${next.address.text}: options changed`,
      before: { options: oldOptions },
      after: { options: newOptions },
      span: next.bind.span,
      reasons,
    });
  }
}
