import type { AgentContext, HaproxyNode } from "./agent-context.js";

/**
 * Reads the node's stats at an interval and records every server whose status changes
 * (UP, DOWN, MAINT, DRAIN…) as a `server.state-changed` event, until the signal aborts. A
 * failed read is retried at the next tick rather than ending the watch.
 */
export async function watchNode(
  node: HaproxyNode,
  ctx: AgentContext,
  options: { intervalMs: number; signal: AbortSignal },
): Promise<void> {
  const known = new Map<string, string>();
  while (!options.signal.aborted) {
    try {
      const snapshot = await node.snapshot();
      for (const row of snapshot.rows) {
        if (row.type !== "server") continue;
        const key = `${row.proxy}/${row.name}`;
        const state = row.status.split(" ")[0] ?? row.status;
        const before = known.get(key);
        known.set(key, state);
        if (before !== undefined && before !== state) {
          ctx.events.append({
            type: "server.state-changed",
            actor: "agent",
            evidence: { server: key, from: before, to: state, checkStatus: row.checkStatus },
          });
        }
      }
    } catch {
      // HAProxy may be reloading; the next tick will read it.
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.intervalMs);
      options.signal.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}
