import type { Version } from "../../control/api-types.js";
import type { VrrpPair } from "../../vrrp/pair.js";
import {
  commitKeepalived,
  readManagedFiles,
  revertKeepalived,
  switchKeepalived,
  validateKeepalived,
} from "./keepalived-apply.js";
import { planKeepalived, type AppliedPair } from "./keepalived-plan.js";
import type { OutcomeFacts } from "./decide.js";
import type { ManagedRun } from "./managed-run.js";

/** The keepalived part of one apply, settled before its HAProxy part starts. */
export type KeepalivedPart =
  /** Nothing for keepalived: no pair, or an agent without --keepalived-dir. */
  | { kind: "none" }
  /** The pair's files are already in place; the version records the pair when it ends running. */
  | { kind: "kept"; applied: AppliedPair; pair: VrrpPair }
  /** New files are live and keepalived took them; they go back unless the version ends running. */
  | { kind: "switched"; applied: AppliedPair; pair: VrrpPair }
  /** The version stops here, HAProxy untouched: the pair is invalid, or keepalived did not take it. */
  | { kind: "stopped"; outcome: OutcomeFacts };

const saidIgnored = new WeakSet<ManagedRun>();

/**
 * The first half of applying a version with a pair: render this node's keepalived files,
 * `keepalived -t` them, then write them and reload keepalived (see `switchKeepalived`). An
 * unusable pair is `invalid` and a keepalived that does not survive the reload ends the apply
 * (`rolled-back` or `failed`), in both cases before HAProxy is touched.
 */
export async function startKeepalivedPart(
  run: ManagedRun,
  version: Pick<Version, "id" | "vrrp">,
  apply: string,
  actor: string,
): Promise<KeepalivedPart> {
  if (version.vrrp === undefined) return { kind: "none" };
  const node = run.desired?.node;
  if (!run.keepalived || node === undefined) {
    if (!run.keepalived && !saidIgnored.has(run)) {
      saidIgnored.add(run);
      run.log(
        `version ${version.id} has a keepalived pair; this agent runs without --keepalived-dir, so it applies haproxy.cfg only and leaves keepalived alone`,
      );
    }
    return { kind: "none" };
  }
  const { node: kn, journal } = run.keepalived;
  const plan = planKeepalived({
    pairText: version.vrrp,
    source: `version ${version.id} pair.yaml`,
    node,
    paths: kn.paths,
    applied: run.state.keepalived,
    onDisk: readManagedFiles(kn.paths),
  });
  if (plan.kind === "none") return { kind: "none" };
  const invalid = (problems: string[]): KeepalivedPart => {
    run.ctx.events.append({ apply, type: "keepalived.invalid", actor, evidence: { problems } });
    return { kind: "stopped", outcome: { apply, status: "invalid", error: problems.join("; ") } };
  };
  if (plan.kind === "invalid") return invalid(plan.problems);
  if (plan.kind === "same") return { kind: "kept", applied: plan.applied, pair: plan.pair };
  const problems = await validateKeepalived(kn, plan.pair, node, plan.files);
  if (problems.length > 0) return invalid(problems);
  const switched = await switchKeepalived(kn, run.ctx, journal, {
    apply,
    version: version.id,
    actor,
    files: plan.files,
    ...(run.keepalived.settleMs !== undefined ? { settleMs: run.keepalived.settleMs } : {}),
  });
  if (!switched.ok)
    return { kind: "stopped", outcome: { apply, status: switched.status, error: switched.reason } };
  run.keepalived.switchedTo = version.vrrp;
  return { kind: "switched", applied: plan.applied, pair: plan.pair };
}

/**
 * The second half, once the HAProxy part ended: a version that ends running (promoted or
 * unchanged) keeps its keepalived files and is recorded as this node's pair; otherwise the
 * files from before it go back and keepalived is reloaded onto them.
 */
export async function finishKeepalivedPart(
  run: ManagedRun,
  part: KeepalivedPart,
  outcome: Pick<OutcomeFacts, "status">,
): Promise<void> {
  if (part.kind !== "kept" && part.kind !== "switched") return;
  delete run.keepalived!.switchedTo;
  const running = outcome.status === "promoted" || outcome.status === "unchanged";
  if (running) {
    if (part.kind === "switched") commitKeepalived(run.keepalived!.journal);
    run.state.keepalived = part.applied;
  } else if (part.kind === "switched") {
    const { node, journal } = run.keepalived!;
    await revertKeepalived(node, run.ctx, journal, `the version's apply ended ${outcome.status}`);
  }
}
