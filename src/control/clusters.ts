import { contentHash } from "../agent/config-store.js";
import type { Kysely, Transaction } from "kysely";
import { unifiedDiff } from "../agent/managed/text-diff.js";
import { readInventory } from "../inventory/read-inventory.js";
import type { ClustersTable, Database, NodesTable, VersionsTable } from "../store/schema.js";
import {
  DEFAULT_CLUSTER_POLICY,
  type Cluster,
  type ClusterPolicy,
  type CreateClusterRequest,
  type CreatedToken,
  type Drift,
  type NodeHealth,
  type NodeStatus,
  type NodeVrrp,
  type Version,
  type VersionInfo,
} from "./api-types.js";
import {
  fail,
  nowIso,
  transact,
  type ControlContext,
  type Principal,
  type RecordEvent,
} from "./control-context.js";
import { insertToken, NAME_FORMAT } from "./access.js";
import { announceDesired } from "./desired-signal.js";

/** The request rate the gate assumes for a cluster that does not say. */
export const DEFAULT_GATE_RPS = 100;

/** A complete, checked policy from a partial one laid over `base`. Throws LBG_BAD_REQUEST. */
export function mergePolicy(base: ClusterPolicy, patch: Partial<ClusterPolicy> | undefined): ClusterPolicy {
  const policy: ClusterPolicy = { ...base, approvals: { ...base.approvals, ...(patch?.approvals ?? {}) } };
  if (patch?.drift !== undefined) policy.drift = patch.drift;
  if (patch?.bakeS !== undefined) policy.bakeS = patch.bakeS;
  for (const [risk, count] of Object.entries(policy.approvals)) {
    if (!["low", "medium", "high"].includes(risk) || !Number.isInteger(count) || count < 1 || count > 10) {
      throw fail(
        "LBG_BAD_REQUEST",
        `policy.approvals.${risk}: must be a whole number of approvals from 1 to 10`,
      );
    }
  }
  if (policy.drift !== "report" && policy.drift !== "restore") {
    throw fail("LBG_BAD_REQUEST", "policy.drift: must be 'report' or 'restore'");
  }
  if (
    policy.bakeS !== undefined &&
    (typeof policy.bakeS !== "number" || policy.bakeS < 1 || policy.bakeS > 3600)
  ) {
    throw fail("LBG_BAD_REQUEST", "policy.bakeS: must be a number of seconds from 1 to 3600");
  }
  return policy;
}

/** Checks inventory YAML the way the CLI does, naming the line of the first problem. */
function checkInventory(text: string): void {
  const { diagnostics } = readInventory("inventory", text);
  const first = diagnostics.find((d) => d.severity === "error");
  if (first) throw fail("LBG_BAD_REQUEST", `inventory line ${first.span.line}: ${first.message}`);
}

export async function createCluster(
  ctx: ControlContext,
  actor: Principal,
  request: CreateClusterRequest,
): Promise<Cluster> {
  if (!NAME_FORMAT.test(request.name)) {
    throw fail(
      "LBG_BAD_REQUEST",
      "name: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 63",
    );
  }
  if (request.inventory !== undefined) checkInventory(request.inventory);
  const policy = mergePolicy(DEFAULT_CLUSTER_POLICY, request.policy);
  await transact(ctx, async (trx, record) => {
    const taken = await trx
      .selectFrom("clusters")
      .select("name")
      .where("name", "=", request.name)
      .executeTakeFirst();
    if (taken) throw fail("LBG_EXISTS", `a cluster named ${request.name} already exists`);
    await trx
      .insertInto("clusters")
      .values({
        name: request.name,
        policy: JSON.stringify(policy),
        inventory: request.inventory ?? null,
        rps: request.rps ?? DEFAULT_GATE_RPS,
        current_version: null,
        created_at: nowIso(ctx),
      })
      .execute();
    record({ type: "cluster.created", actor: actor.name, cluster: request.name, data: { policy } });
    const version = await insertVersion(ctx, trx, record, {
      cluster: request.name,
      text: request.config,
      author: actor.name,
      message: "the configuration the nodes ran when the cluster was created",
      parent: null,
    });
    await trx
      .updateTable("clusters")
      .set({ current_version: version.id })
      .where("name", "=", request.name)
      .execute();
  });
  return getCluster(ctx, request.name);
}

/**
 * Stores a new immutable version and records it. Its hash is the HAProxy text's, the hash the
 * node's running haproxy.cfg is compared with; the pair file travels beside it.
 */
export async function insertVersion(
  ctx: ControlContext,
  trx: Transaction<Database>,
  record: RecordEvent,
  version: {
    cluster: string;
    text: string;
    author: string;
    message: string;
    parent: number | null;
    vrrp?: string | null;
  },
): Promise<VersionInfo> {
  const row = {
    ...version,
    vrrp: version.vrrp ?? null,
    hash: contentHash(version.text),
    created_at: nowIso(ctx),
  };
  const { id } = await trx.insertInto("versions").values(row).returning("id").executeTakeFirstOrThrow();
  const info = versionInfo({ ...row, id: Number(id) });
  record({
    type: "version.created",
    actor: version.author,
    cluster: version.cluster,
    subject: `version:${info.id}`,
    data: {
      hash: info.hash,
      parent: version.parent,
      message: version.message,
      ...(row.vrrp !== null ? { vrrpHash: contentHash(row.vrrp) } : {}),
    },
  });
  return info;
}

export async function clusterRow(db: Kysely<Database>, name: string): Promise<ClustersTable> {
  const row = await db.selectFrom("clusters").selectAll().where("name", "=", name).executeTakeFirst();
  if (!row) throw fail("LBG_NOT_FOUND", `there is no cluster ${name}`);
  return row;
}

export function policyOf(row: ClustersTable): ClusterPolicy {
  return mergePolicy(DEFAULT_CLUSTER_POLICY, JSON.parse(row.policy) as Partial<ClusterPolicy>);
}

export async function getCluster(ctx: ControlContext, name: string): Promise<Cluster> {
  const row = await clusterRow(ctx.store.db, name);
  return {
    name: row.name,
    policy: policyOf(row),
    currentVersion: Number(row.current_version),
    createdAt: row.created_at,
    nodes: await listNodes(ctx, name),
  };
}

export async function listClusters(ctx: ControlContext): Promise<Cluster[]> {
  const rows = await ctx.store.db.selectFrom("clusters").select("name").orderBy("name").execute();
  return Promise.all(rows.map((r) => getCluster(ctx, r.name)));
}

export async function setPolicy(
  ctx: ControlContext,
  actor: Principal,
  name: string,
  patch: Partial<ClusterPolicy>,
): Promise<Cluster> {
  await transact(ctx, async (trx, record) => {
    const row = await clusterRow(trx, name);
    const policy = mergePolicy(policyOf(row), patch);
    await trx
      .updateTable("clusters")
      .set({ policy: JSON.stringify(policy) })
      .where("name", "=", name)
      .execute();
    record({
      type: "cluster.policy-changed",
      actor: actor.name,
      cluster: name,
      data: { before: policyOf(row), after: policy },
    });
  });
  // Agents act on the drift policy and bake time they were given.
  await announceDesired(ctx, { cluster: name });
  return getCluster(ctx, name);
}

export function nodeStatus(row: NodesTable): NodeStatus {
  return {
    name: row.name,
    cluster: row.cluster,
    desiredVersion: Number(row.desired_version),
    ...(row.applied_version !== null ? { appliedVersion: Number(row.applied_version) } : {}),
    ...(row.running_hash !== null ? { runningHash: row.running_hash } : {}),
    ...(row.health !== null ? { health: JSON.parse(row.health) as NodeHealth } : {}),
    ...(row.last_seen_at !== null ? { lastSeenAt: row.last_seen_at } : {}),
    ...(row.drift !== null ? { drift: JSON.parse(row.drift) as Drift[] } : {}),
    ...(row.vrrp_state !== null && row.vrrp_seen_at !== null
      ? {
          vrrp: {
            state: row.vrrp_state as NodeVrrp["state"],
            holdsVip: Number(row.vrrp_holds_vip) === 1,
            seenAt: row.vrrp_seen_at,
          },
        }
      : {}),
  };
}

export async function listNodes(ctx: ControlContext, cluster: string): Promise<NodeStatus[]> {
  const rows = await ctx.store.db
    .selectFrom("nodes")
    .selectAll()
    .where("cluster", "=", cluster)
    .orderBy("name")
    .execute();
  return rows.map(nodeStatus);
}

/** Adds a node to a cluster (desired: the current version) and creates its agent token. */
export async function createNode(
  ctx: ControlContext,
  actor: Principal,
  cluster: string,
  name: string,
): Promise<{ node: NodeStatus; token: CreatedToken }> {
  if (!NAME_FORMAT.test(name)) {
    throw fail(
      "LBG_BAD_REQUEST",
      "name: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 63",
    );
  }
  return transact(ctx, async (trx, record) => {
    const row = await clusterRow(trx, cluster);
    const id = `${cluster}/${name}`;
    const taken = await trx.selectFrom("nodes").select("id").where("id", "=", id).executeTakeFirst();
    if (taken) throw fail("LBG_EXISTS", `cluster ${cluster} already has a node ${name}`);
    const node: NodesTable = {
      id,
      cluster,
      name,
      desired_version: Number(row.current_version),
      applied_version: null,
      running_hash: null,
      health: null,
      last_seen_at: null,
      drift: null,
      created_at: nowIso(ctx),
      vrrp_state: null,
      vrrp_holds_vip: null,
      vrrp_seen_at: null,
      keepalived_hash: null,
    };
    await trx.insertInto("nodes").values(node).execute();
    record({ type: "node.created", actor: actor.name, cluster, subject: `node:${id}` });
    const token = await insertToken(ctx, trx, record, actor.name, {
      role: "agent",
      label: `agent of ${id}`,
      nodeId: id,
    });
    return { node: nodeStatus(node), token };
  });
}

export function versionInfo(
  row: Pick<VersionsTable, "cluster" | "hash" | "author" | "message" | "parent" | "created_at"> & {
    id: number;
  },
): VersionInfo {
  return {
    id: Number(row.id),
    cluster: row.cluster,
    hash: row.hash,
    author: row.author,
    message: row.message,
    ...(row.parent !== null ? { parent: Number(row.parent) } : {}),
    createdAt: row.created_at,
  };
}

export async function listVersions(ctx: ControlContext, cluster: string): Promise<VersionInfo[]> {
  await clusterRow(ctx.store.db, cluster);
  const rows = await ctx.store.db
    .selectFrom("versions")
    .select(["id", "cluster", "hash", "author", "message", "parent", "created_at"])
    .where("cluster", "=", cluster)
    .orderBy("id", "desc")
    .execute();
  return rows.map((r) => versionInfo(r));
}

export async function getVersion(db: Kysely<Database>, id: number): Promise<Version> {
  const row = await db.selectFrom("versions").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw fail("LBG_NOT_FOUND", `there is no version ${id}`);
  return { ...versionInfo(row), text: row.text, ...(row.vrrp !== null ? { vrrp: row.vrrp } : {}) };
}

/** The unified diff between two versions, FROM -> TO, the pair file's after the config's. */
export async function diffVersions(
  ctx: ControlContext,
  from: number,
  to: number,
): Promise<{ from: number; to: number; diff: string }> {
  const [a, b] = await Promise.all([getVersion(ctx.store.db, from), getVersion(ctx.store.db, to)]);
  return { from, to, diff: versionDiff(a, b) };
}

/**
 * The unified diff of the HAProxy texts, followed by that of the pair files when they differ
 * (headed `--- version A pair.yaml`; a pair added or removed diffs against nothing). Pure.
 */
export function versionDiff(a: Version, b: Version): string {
  const config = unifiedDiff(a.text, b.text, `version ${a.id}`, `version ${b.id}`);
  if ((a.vrrp ?? "") === (b.vrrp ?? "")) return config;
  const pair = unifiedDiff(
    a.vrrp ?? "",
    b.vrrp ?? "",
    `version ${a.id} pair.yaml`,
    `version ${b.id} pair.yaml`,
  );
  // Each diff ends with a line break, so the two sections simply follow each other.
  return config + pair;
}
