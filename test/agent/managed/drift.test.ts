import { describe, expect, it } from "vitest";
import { contentHash } from "../../../src/agent/config-store.js";
import {
  detectDrift,
  expectedServers,
  restoreCommands,
  runtimeDeviations,
  type DriftInputs,
} from "../../../src/agent/managed/drift.js";
import type { OperationDone } from "../../../src/agent/managed/managed-state.js";
import { healthFrom } from "../../../src/agent/managed/observe-node.js";
import type { ServerAdminState, ServerStateRow } from "../../../src/haproxy/runtime/show-stat.js";
import type { StatRow } from "../../../src/haproxy/runtime/stat-row.js";
import { statRow } from "../bake/stat-fixtures.js";

function server(
  name: string,
  userWeight = 1,
  forcedAdminState: ServerAdminState = "ready",
  initialWeight = 1,
): ServerStateRow {
  return {
    backendId: 2,
    backend: "web",
    serverId: 1,
    server: name,
    address: "10.0.0.1",
    operationalState: "running",
    adminFlags: 0,
    adminState: forcedAdminState,
    forcedAdminState,
    userWeight,
    initialWeight,
    secondsSinceChange: 0,
    raw: {},
  };
}

const done = (
  change: number,
  server: string,
  action: OperationDone["operation"]["action"],
  status: OperationDone["status"] = "kept",
): OperationDone => ({
  change,
  operation: { backend: "web", server, action },
  status,
});

const APPROVED = "backend web\n    balance roundrobin\n    server a 10.0.0.1:80\n";
const inputs = (over: Partial<DriftInputs> = {}): DriftInputs => ({
  approved: { version: 3, hash: contentHash(APPROVED), text: APPROVED },
  running: { path: "/etc/haproxy/haproxy.cfg", hash: contentHash(APPROVED), text: APPROVED },
  servers: [server("a")],
  expected: new Map(),
  previous: [],
  now: "2024-05-01T10:00:00.000Z",
  ...over,
});

describe("runtime drift", () => {
  it("finds a weight set by hand and the command that puts it back", () => {
    const deviations = runtimeDeviations([server("web-01"), server("web-02", 50)], new Map());
    expect(deviations).toEqual([{ server: "web/web-02", weight: { expected: 1, actual: 50 } }]);
    expect(restoreCommands(deviations)).toEqual(["set server web/web-02 weight 1"]);
  });

  it("finds a server forced into maintenance or drain, and puts it back to ready", () => {
    const deviations = runtimeDeviations([server("a", 1, "maint"), server("b", 1, "drain")], new Map());
    expect(deviations.map((d) => [d.server, d.state?.actual])).toEqual([
      ["web/a", "maint"],
      ["web/b", "drain"],
    ]);
    expect(restoreCommands(deviations)).toEqual([
      "set server web/a state ready",
      "set server web/b state ready",
    ]);
  });

  it("accepts what approved runtime operations this node kept set, later changes winning", () => {
    const expected = expectedServers([
      done(7, "b", { kind: "weight", weight: 20 }),
      done(4, "b", { kind: "weight", weight: 5 }),
      done(5, "c", { kind: "drain" }),
      done(6, "d", { kind: "disable" }, "reverted"),
    ]);
    expect(expected.get("web/b")).toEqual({ state: "ready", weight: 20 });
    const rows = [server("b", 20), server("c", 1, "drain"), server("d", 1, "maint")];
    expect(runtimeDeviations(rows, expected).map((d) => d.server)).toEqual(["web/d"]);
  });

  it("reports a server an operation set that was then changed again by hand, against the operation's value", () => {
    const expected = expectedServers([done(4, "b", { kind: "weight", weight: 5 })]);
    const deviations = runtimeDeviations([server("b", 70)], expected);
    expect(deviations).toEqual([{ server: "web/b", weight: { expected: 5, actual: 70 } }]);
    expect(restoreCommands(deviations)).toEqual(["set server web/b weight 5"]);
  });
});

describe("detectDrift", () => {
  it("finds nothing when the node runs what was approved", () => {
    expect(detectDrift(inputs())).toEqual({ drift: [], deviations: [] });
  });

  it("reports a hand edit of the file with a diff from the approved text to the running one", () => {
    const running = APPROVED.replace("roundrobin", "leastconn");
    const found = detectDrift(
      inputs({ running: { path: "/etc/haproxy/haproxy.cfg", hash: contentHash(running), text: running } }),
    );
    expect(found.drift).toHaveLength(1);
    const [drift] = found.drift;
    expect(drift).toMatchObject({
      kind: "file",
      since: "2024-05-01T10:00:00.000Z",
      runningHash: contentHash(running),
    });
    const lines = drift!.diff.split("\n");
    expect(lines).toContain("-    balance roundrobin");
    expect(lines).toContain("+    balance leastconn");
  });

  it("keeps the time a drift was first seen while it lasts, and forgets it once it clears", () => {
    const running = `${APPROVED}# edited\n`;
    const edited = { path: "/etc/haproxy/haproxy.cfg", hash: contentHash(running), text: running };
    const first = detectDrift(inputs({ running: edited, servers: [server("a", 9)] }));
    const later = detectDrift(
      inputs({
        running: edited,
        servers: [server("a", 9)],
        previous: first.drift,
        now: "2024-05-01T10:00:07.000Z",
      }),
    );
    expect(later.drift.map((d) => [d.kind, d.since])).toEqual([
      ["file", "2024-05-01T10:00:00.000Z"],
      ["runtime", "2024-05-01T10:00:00.000Z"],
    ]);
    expect(detectDrift(inputs({ previous: later.drift })).drift).toEqual([]);
  });

  it("keeps the runtime drift last seen when HAProxy cannot be read, and restores nothing", () => {
    const seen = detectDrift(inputs({ servers: [server("a", 9)] }));
    const blind = detectDrift(inputs({ servers: undefined, previous: seen.drift }));
    expect(blind.drift).toEqual(seen.drift);
    expect(blind.deviations).toEqual([]);
  });

  it("judges no file drift before this node applied any version", () => {
    const running = "something else\n";
    const found = detectDrift(
      inputs({ approved: undefined, running: { path: "x", hash: contentHash(running), text: running } }),
    );
    expect(found.drift).toEqual([]);
  });
});

describe("healthFrom", () => {
  const row = ({ proxy = "web", name = "a", ...over }: Partial<StatRow>): StatRow =>
    statRow(proxy, name, over);

  it("counts checked servers UP, sums the frontends' request rates and names the worker", () => {
    const health = healthFrom(
      [
        row({ proxy: "www", name: "FRONTEND", type: "frontend", status: "OPEN", requestRate: 40 }),
        row({ proxy: "api", name: "FRONTEND", type: "frontend", status: "OPEN", requestRate: 2 }),
        row({ name: "a", status: "UP", checkStatus: "L4OK" }),
        row({ name: "b", status: "DOWN", checkStatus: "L4CON" }),
        row({ name: "c", status: "MAINT", checkStatus: "L4OK" }),
        row({ name: "d", status: "no check" }),
      ],
      { Pid: "4242" },
    );
    expect(health).toEqual({
      haproxy: "up",
      workerPid: 4242,
      serversUp: 1,
      serversTotal: 3,
      requestRate: 42,
    });
  });
});
