import type { NodesTable } from "../store/schema.js";
import type { AgentReport, Drift } from "./api-types.js";

/**
 * A VRRP report older than this is not taken as who holds the VIP now: agents report every few
 * seconds and at once when their instance changes state, so an older one is from an agent that
 * stopped reporting. Used by rollouts (who goes last) and the split-brain alert's default.
 */
export const VRRP_FRESH_MS = 10_000;

/** Whether the node's last VRRP report, at most {@link VRRP_FRESH_MS} old at `now`, has it holding the VIP. Pure. */
export function holdsVipNow(row: Pick<NodesTable, "vrrp_holds_vip" | "vrrp_seen_at">, now: number): boolean {
  if (Number(row.vrrp_holds_vip) !== 1 || row.vrrp_seen_at === null) return false;
  return now - Date.parse(row.vrrp_seen_at) <= VRRP_FRESH_MS;
}

/**
 * The node's drift after a report. A report without `vrrp` changes it as before: replaced by
 * the agent's list when it sent one, else untouched (undefined). With `vrrp`, the agent's list
 * (or the stored file and runtime drift) gains a `keepalived` entry when the keepalived.conf on
 * disk is not the one the agent rendered for the version it applied; a kind that persists keeps
 * the `since` it was first seen at. An agent that reports keepalived drift itself is taken at
 * its word. Pure.
 */
export function driftAfterReport(
  stored: readonly Drift[],
  report: Pick<AgentReport, "drift" | "vrrp">,
  now: string,
): Drift[] | undefined {
  if (report.vrrp === undefined) return report.drift;
  const reported = report.drift ?? stored.filter((d) => d.kind !== "keepalived");
  if (reported.some((d) => d.kind === "keepalived")) return reported;
  const { keepalivedHash: running, expectedKeepalivedHash: expected } = report.vrrp;
  if (running === undefined || expected === undefined || running === expected) return reported;
  const since = stored.find((d) => d.kind === "keepalived")?.since ?? now;
  return [
    ...reported,
    {
      kind: "keepalived",
      since,
      diff: `keepalived.conf sha256 ${running} on disk, ${expected} rendered for the approved version\n`,
      runningHash: running,
    },
  ];
}
