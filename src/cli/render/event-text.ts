import type { AgentEvent } from "../../agent/event-log.js";

/** One line a person can read for an agent event, e.g. for `lbguard apply`'s progress. */
export function describeEvent(event: AgentEvent): string {
  const e = event.evidence ?? {};
  const time = event.at.slice(11, 23);
  const detail = ((): string => {
    switch (event.type) {
      case "apply.started":
        return `applying ${String(e.source)}${e.force ? " (forced: the gate does not bind, no probes)" : ""}`;
      case "apply.gate-passed":
        return "gate passed, probes answered";
      case "apply.gate-skipped":
        return `gate skipped by --force (it would have said ${String(e.wouldBe)})`;
      case "apply.blocked":
        return "blocked before anything changed";
      case "apply.invalid":
        return `haproxy -c refused it: ${(e.errors as string[] | undefined)?.join("; ") ?? ""}`;
      case "apply.backed-up":
        return `kept ${String(e.previous)} (running) and ${String(e.candidate)} (candidate)`;
      case "apply.replaced":
        return `replaced ${String(e.path)}`;
      case "apply.reloaded":
        return `reloaded: worker ${String(e.workerPid)} in ${String(e.tookMs)} ms; baking`;
      case "apply.breach":
        return `breach: ${breachLine(e.breaches as { message: string }[] | undefined)}`;
      case "apply.rolled-back":
        return `rolled back to ${String(e.version)} (worker ${String(e.workerPid)})`;
      case "apply.promoted":
        return `bake passed: ${String(e.version)} is last-known-good`;
      case "apply.recovered":
        return `finished an interrupted apply (step ${String(e.step)}): ${String(e.action)}`;
      case "apply.standby":
        return `standing by: baking once this node holds the VIP (at most ${Number(e.limitMs) / 1000} s)`;
      case "apply.active":
        return `holding the VIP after ${(Number(e.waitedMs) / 1000).toFixed(1)} s; baking`;
      case "keepalived.invalid":
        return `keepalived -t refused the pair: ${(e.problems as string[] | undefined)?.join("; ") ?? ""}`;
      case "keepalived.replaced":
        return `replaced ${String(e.path)}; keepalived (pid ${String(e.pid)}) reloaded it`;
      case "keepalived.restored":
        return `keepalived's previous files are back: ${String(e.reason)}`;
      case "keepalived.recovered":
        return `finished the keepalived part of an interrupted apply: ${String(e.action)}`;
      case "vrrp.state-changed":
        return `VRRP ${String(e.from ?? "-")} -> ${String(e.to)}${e.holdsVip ? ", holding the VIP" : ""}`;
      default:
        return Object.keys(e).length > 0 ? JSON.stringify(e) : "";
    }
  })();
  return `${time} ${event.type.padEnd(18)} ${detail}`;
}

/** Breach sentences on one line, each without its closing full stop. */
export function breachLine(breaches: readonly { message: string }[] | undefined): string {
  return (breaches ?? []).map((b) => b.message.replace(/\.$/, "")).join("; ");
}
