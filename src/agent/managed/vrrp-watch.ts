import { readFileSync } from "node:fs";
import type { AgentVrrpReport } from "../../control/api-types.js";
import { LbguardError } from "../../errors.js";
import { parseVrrpPair, type VrrpPair } from "../../vrrp/pair.js";
import type { VrrpStatus } from "../../vrrp/vrrp-state.js";
import { contentHash } from "../config-store.js";
import type { ManagedRun } from "./managed-run.js";
import { roleChanged } from "./pair-decide.js";

const parsed = new WeakMap<ManagedRun, { text: string; pair: VrrpPair | undefined }>();

/**
 * The pair this node's role is read against: the one keepalived was just switched to by the
 * apply under way, else the one it applied last, else the desired version's (a node started with `lbguard vrrp render` before any version with a pair was
 * applied). Undefined without keepalived, without a pair, or with a pair that does not parse.
 */
export function currentPair(run: ManagedRun): VrrpPair | undefined {
  if (!run.keepalived) return undefined;
  const text = run.keepalived.switchedTo ?? run.state.keepalived?.text ?? run.desired?.version.vrrp;
  if (text === undefined) return undefined;
  const cached = parsed.get(run);
  if (cached?.text === text) return cached.pair;
  let pair: VrrpPair | undefined;
  try {
    pair = parseVrrpPair(text, "the pair file");
  } catch (error) {
    if (!(error instanceof LbguardError)) throw error;
    // An unusable pair is reported when its version is applied; there is no role to read.
  }
  parsed.set(run, { text, pair });
  return pair;
}

/**
 * Reads this node's VRRP role for its reports, about once a second: the instance's state, whether
 * it holds the VIP, the hash of keepalived.conf on disk and of the one rendered for the applied
 * version. Each change of role is written to the node's event log (`vrrp.state-changed`).
 */
export class VrrpWatch {
  private last: VrrpStatus | undefined;
  private failing = false;

  constructor(private readonly run: ManagedRun) {}

  /** The report's `vrrp`, or undefined on a node that is not part of a pair (or whose role cannot be read). */
  async observe(): Promise<AgentVrrpReport | undefined> {
    const { run } = this;
    const kn = run.keepalived?.node;
    const pair = currentPair(run);
    if (!kn || !pair) return undefined;
    let status: VrrpStatus;
    try {
      status = await kn.status(pair);
      this.failing = false;
    } catch (error) {
      if (!this.failing) run.log(`cannot read the VRRP state: ${(error as Error).message}`);
      this.failing = true;
      return undefined;
    }
    if (roleChanged(this.last, status)) {
      run.ctx.events.append({
        type: "vrrp.state-changed",
        actor: "agent",
        evidence: {
          from: this.last?.state ?? null,
          to: status.state,
          holdsVip: status.holdsVip,
          ...(this.last ? { heldVip: this.last.holdsVip } : {}),
        },
      });
      run.log(`VRRP: ${status.state}${status.holdsVip ? ", holding the VIP" : ""}`);
    }
    this.last = status;
    const onDisk = confHash(kn.paths.conf);
    const expected = run.state.keepalived?.confHash;
    return {
      state: status.state,
      holdsVip: status.holdsVip,
      ...(onDisk !== undefined ? { keepalivedHash: onDisk } : {}),
      ...(expected !== undefined ? { expectedKeepalivedHash: expected } : {}),
    };
  }
}

function confHash(path: string): string | undefined {
  try {
    return contentHash(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}
