import type { AgentVrrpReport, Drift } from "../../control/api-types.js";
import { restoreFile, restoreRuntime, type ApprovedText } from "./carry-out.js";
import { deliver } from "./deliver.js";
import { nextBackoff, reportDue, reportKey, type LastReport } from "./decide.js";
import { detectDrift, expectedServers, restoreCommands, type ServerDeviation } from "./drift.js";
import { confirmHealth, type HealthMemory } from "./health-confirm.js";
import { isAuthFailure, type ManagedRun } from "./managed-run.js";
import { observeNode, type NodeObservation } from "./observe-node.js";
import { VrrpWatch } from "./vrrp-watch.js";

/**
 * Watches one node for drift from what the control plane approved, and reports its state: at
 * once when the running hash, HAProxy's reachability, the drift or (on a node of a pair) the
 * VRRP role changes, otherwise once per heartbeat (with the node's new events). HAProxy counts
 * as down only once it has not answered for `DOWN_CONFIRM_MS`, so a reload is not reported as a
 * stop. Drift is not judged while an apply, runtime operation or restore is changing the node.
 * Under the `restore` policy it puts the approved file or the servers' runtime state back, after
 * reporting the drift it found.
 */
export class DriftWatch {
  private drift: Drift[] = [];
  private checked = false;
  private last: LastReport | undefined;
  private backoff: number | undefined;
  private retryAt = 0;
  /** The running hash and the deviations last restored, so a restore that did not hold is not repeated. */
  private restored: { file?: string; runtime?: string } = {};
  private approvedCache: ApprovedText | undefined;
  private fatal: unknown;
  /** HAProxy's health at the last looks, so a read failing during a reload is not reported as down. */
  private health: HealthMemory = {};
  private readonly vrrp: VrrpWatch;

  constructor(
    private readonly run: ManagedRun,
    private readonly heartbeatMs: number,
  ) {
    this.vrrp = new VrrpWatch(run);
  }

  /** One look at the node: observe, judge drift, report when due, restore when the policy says so. */
  async tick(): Promise<void> {
    if (this.fatal) throw this.fatal;
    const { run } = this;
    const now = run.ctx.clock();
    const changing = (): boolean => run.work.busy || run.ctx.journal.current() !== undefined;
    const busyBefore = changing();
    const [observed, vrrp] = await Promise.all([observeNode(run.node), this.vrrp.observe()]);
    // An apply that started while HAProxy was being read may have caught the file mid-change.
    const busy = busyBefore || changing();
    let deviations: ServerDeviation[] = [];
    if (!busy) {
      const approved = this.approved();
      const found = detectDrift({
        ...(approved ? { approved: { version: approved.id, hash: approved.hash, text: approved.text } } : {}),
        running: observed.running,
        ...(observed.servers ? { servers: observed.servers } : {}),
        expected: expectedServers(run.state.operations),
        previous: this.drift,
        now: new Date(now).toISOString(),
      });
      this.record(found.drift);
      deviations = found.deviations;
    }
    const confirmed = confirmHealth(this.health, observed.health, now);
    this.health = confirmed.memory;
    await this.report({ ...observed, health: confirmed.health }, vrrp, now);
    if (!busy && run.desired?.policy.drift === "restore") await this.restore(deviations);
  }

  private async report(
    observed: NodeObservation,
    vrrp: AgentVrrpReport | undefined,
    now: number,
  ): Promise<void> {
    const key = reportKey(observed.running.hash, observed.health, this.drift, vrrp);
    if (now < this.retryAt || !reportDue(this.last, key, now, this.heartbeatMs)) return;
    try {
      await this.run.client.report({
        runningHash: observed.running.hash,
        health: observed.health,
        ...(this.checked ? { drift: this.drift } : {}),
        ...(vrrp ? { vrrp } : {}),
      });
      this.last = { key, at: now };
      this.backoff = undefined;
      await deliver(this.run);
    } catch (error) {
      if (isAuthFailure(error)) throw error;
      // The long poll says so at each retry; one line per outage is enough here.
      if (this.backoff === undefined) this.run.log(`cannot report: ${(error as Error).message}`);
      this.backoff = nextBackoff(this.backoff);
      this.retryAt = now + this.backoff;
    }
  }

  private async restore(deviations: ServerDeviation[]): Promise<void> {
    const { run } = this;
    const file = this.drift.find((d) => d.kind === "file");
    const approved = this.approved();
    const text = approved?.text;
    if (!file) this.restored.file = undefined;
    else if (approved && text !== undefined && this.restored.file !== file.runningHash) {
      this.restored.file = file.runningHash;
      // Queued, not awaited: the apply bakes for a while and reports must go on meanwhile.
      run.work
        .run(() => restoreFile(run, { ...approved, text }))
        .catch((error: unknown) => {
          if (isAuthFailure(error)) this.fatal = error;
          else run.log(`drift restore failed: ${(error as Error).message}`);
        });
    }
    if (deviations.length === 0) this.restored.runtime = undefined;
    else {
      const key = JSON.stringify(deviations);
      if (this.restored.runtime === key) return;
      this.restored.runtime = key;
      await run.work.run(() => restoreRuntime(run, restoreCommands(deviations), deviations));
    }
  }

  /** Keeps the drift found and records in the node's log each kind that appears or clears. */
  private record(drift: Drift[]): void {
    for (const kind of ["file", "runtime"] as const) {
      const was = this.drift.find((d) => d.kind === kind);
      const is = drift.find((d) => d.kind === kind);
      if (!was && is) {
        this.run.ctx.events.append({ type: "drift.seen", actor: "agent", evidence: { ...is } });
        this.run.log(`drift (${kind}):\n${is.diff}`);
      } else if (was && !is) {
        this.run.ctx.events.append({ type: "drift.cleared", actor: "agent", evidence: { kind } });
        this.run.log(`drift (${kind}) cleared`);
      }
    }
    this.drift = drift;
    this.checked = true;
  }

  /**
   * The version this node last applied for the control plane, with its text: from the desired
   * state when it is that version, else from the agent's store (the control plane may be out of
   * reach).
   */
  private approved(): (Omit<ApprovedText, "text"> & { text?: string }) | undefined {
    const applied = this.run.state.applied;
    if (!applied) return undefined;
    const desired = this.run.desired?.version;
    if (desired?.hash === applied.hash) return desired;
    if (this.approvedCache?.hash !== applied.hash) {
      const kept = this.run.ctx.store.versions().find((v) => v.hash === applied.hash);
      if (!kept) return { id: applied.version, hash: applied.hash };
      this.approvedCache = { id: applied.version, hash: applied.hash, text: this.run.ctx.store.read(kept) };
    }
    return this.approvedCache;
  }
}
