/** The agent's default data directory, as the node commands take it (a test keeps the two equal). */
export const AGENT_DATA_DIR = "/var/lib/lbguard";

/** A server's forced admin state on the runtime API. */
export type AdminState = "ready" | "drain" | "maint";

/** Where to put one server back: a weight, or a forced admin state. */
export type ServerTarget = { weight: number } | { state: AdminState };

/** The propose `--runtime` action (and `lbguard server` verb) that puts a server in each state. */
const ACTION_FOR_STATE = { ready: "enable", drain: "drain", maint: "disable" } as const;

/** `lbguard rollback --cluster web --to 6`; the version is a placeholder when unknown. Pure. */
export function rollbackCommand(cluster: string | undefined, to: number | undefined): string {
  return `lbguard rollback${clusterFlag(cluster)} --to ${to ?? "<earlier version>"}`;
}

/**
 * The command that sets one server (`backend/server`) back: through the control plane, a runtime
 * change to propose (`lbguard propose --cluster web --runtime weight=10 web/web-02 -m "…"`);
 * without one (a drill, a node on its own), `lbguard server` on the node. Pure.
 */
export function serverBackCommand(
  server: string,
  target: ServerTarget,
  control: { cluster: string; message: string } | undefined,
): string {
  if (control) {
    const action = "weight" in target ? `weight=${target.weight}` : ACTION_FOR_STATE[target.state];
    return `lbguard propose${clusterFlag(control.cluster)} --runtime ${action} ${server} -m "${control.message}"`;
  }
  return "weight" in target
    ? `lbguard server weight ${server} ${target.weight}`
    : `lbguard server ${ACTION_FOR_STATE[target.state]} ${server}`;
}

/**
 * `lbguard apply` of a configuration the node's agent kept (`versions/NAME` in its data
 * directory); the name is a placeholder when unknown. Pure.
 */
export function localApplyCommand(keptName: string | undefined): string {
  return `lbguard apply ${AGENT_DATA_DIR}/versions/${keptName ?? "<previous version>"}`;
}

/** The command that makes the cluster's agents put the approved version back. Pure. */
export function restoreDriftCommand(cluster: string | undefined): string {
  return `lbguard cluster policy${clusterFlag(cluster)} --drift restore`;
}

const RUNTIME_COMMAND = /^set server (\S+\/\S+) (?:weight (\d+)|state (ready|drain|maint))$/;

/** The server and target of a runtime API command such as `set server web/web-02 weight 10`. Pure. */
export function parseServerCommand(command: string): { server: string; target: ServerTarget } | undefined {
  const match = RUNTIME_COMMAND.exec(command.trim());
  if (!match) return undefined;
  const [, server, weight, state] = match as unknown as [string, string, string?, AdminState?];
  return { server, target: weight !== undefined ? { weight: Number(weight) } : { state: state ?? "ready" } };
}

function clusterFlag(cluster: string | undefined): string {
  return cluster === undefined ? "" : ` --cluster ${cluster}`;
}
