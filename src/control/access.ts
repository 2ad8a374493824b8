import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Transaction } from "kysely";
import type { Database, TokensTable } from "../store/schema.js";
import type {
  CreatedToken,
  CreateTokenRequest,
  CreateUserRequest,
  TokenInfo,
  TokenRole,
  User,
  UserRole,
} from "./api-types.js";
import {
  fail,
  nowIso,
  transact,
  type ControlContext,
  type Principal,
  type RecordEvent,
} from "./control-context.js";
import { isUserRole, roleAllows } from "./roles.js";

/** A token as given to people: `lbg_<id>_<secret>`; only sha256(secret) is stored. */
const TOKEN_FORMAT = /^lbg_([0-9a-f]{12})_([A-Za-z0-9_-]{32})$/;

/** User and node names: what fits in a URL path segment and a terminal without escaping. */
export const NAME_FORMAT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function secretHash(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/**
 * Finds who a bearer token belongs to. An unknown, malformed or revoked token is
 * LBG_UNAUTHENTICATED; the comparison of hashes takes the same time whatever they hold.
 */
export async function authenticate(ctx: ControlContext, token: string | undefined): Promise<Principal> {
  const match = token ? TOKEN_FORMAT.exec(token) : null;
  if (!match) {
    throw fail(
      "LBG_UNAUTHENTICATED",
      token ? "the token is not an lbguard token" : "this endpoint needs a token",
    );
  }
  const [, id, secret] = match as unknown as [string, string, string];
  const row = await ctx.store.db.selectFrom("tokens").selectAll().where("id", "=", id).executeTakeFirst();
  const given = Buffer.from(secretHash(secret), "hex");
  const valid = row !== undefined && timingSafeEqual(given, Buffer.from(row.secret_hash, "hex"));
  if (!row || !valid || row.revoked_at !== null) {
    throw fail("LBG_UNAUTHENTICATED", "the token is unknown or revoked");
  }
  if (row.node_id) {
    const [cluster, node] = splitNodeId(row.node_id);
    return { name: `node:${row.node_id}`, role: "agent", tokenId: row.id, cluster, node };
  }
  return { name: row.user_name ?? "", role: row.role as TokenRole, tokenId: row.id };
}

/** `cluster/node` into its two names. */
export function splitNodeId(nodeId: string): [string, string] {
  const slash = nodeId.indexOf("/");
  return [nodeId.slice(0, slash), nodeId.slice(slash + 1)];
}

/** Creates a token row in `trx` and returns it with its secret (the only time it is known). */
export async function insertToken(
  ctx: ControlContext,
  trx: Transaction<Database>,
  record: RecordEvent,
  actor: string,
  token: { role: TokenRole; label: string; user?: string; nodeId?: string },
): Promise<CreatedToken> {
  const id = randomBytes(6).toString("hex");
  const secret = randomBytes(24).toString("base64url");
  const row: TokensTable = {
    id,
    secret_hash: secretHash(secret),
    role: token.role,
    user_name: token.user ?? null,
    node_id: token.nodeId ?? null,
    label: token.label,
    created_at: nowIso(ctx),
    revoked_at: null,
  };
  await trx.insertInto("tokens").values(row).execute();
  const info = tokenInfo(row);
  record({ type: "token.created", actor, subject: `token:${id}`, data: { ...info } });
  return { ...info, token: `lbg_${id}_${secret}` };
}

function tokenInfo(row: TokensTable): TokenInfo {
  const node = row.node_id ? splitNodeId(row.node_id) : undefined;
  return {
    id: row.id,
    label: row.label,
    role: row.role as TokenRole,
    ...(row.user_name !== null ? { user: row.user_name } : {}),
    ...(node ? { cluster: node[0], node: node[1] } : {}),
    createdAt: row.created_at,
    ...(row.revoked_at !== null ? { revokedAt: row.revoked_at } : {}),
  };
}

/**
 * On a store with no user yet: creates the admin user `admin` and a token for it, and returns
 * the token (to be shown once); otherwise undefined.
 */
export async function bootstrapAdmin(ctx: ControlContext): Promise<string | undefined> {
  return transact(ctx, async (trx, record) => {
    const any = await trx.selectFrom("users").select("name").limit(1).executeTakeFirst();
    if (any) return undefined;
    await trx
      .insertInto("users")
      .values({ name: "admin", role: "admin", created_at: nowIso(ctx) })
      .execute();
    record({
      type: "user.created",
      actor: "lbguard",
      subject: "user:admin",
      data: { role: "admin", bootstrap: true },
    });
    const token = await insertToken(ctx, trx, record, "lbguard", {
      role: "admin",
      label: "bootstrap",
      user: "admin",
    });
    return token.token;
  });
}

export async function listUsers(ctx: ControlContext): Promise<User[]> {
  const rows = await ctx.store.db.selectFrom("users").selectAll().orderBy("name").execute();
  return rows.map((r) => ({ name: r.name, role: r.role as UserRole, createdAt: r.created_at }));
}

export async function createUser(
  ctx: ControlContext,
  actor: Principal,
  request: CreateUserRequest,
): Promise<User> {
  return transact(ctx, async (trx, record) => {
    const taken = await trx
      .selectFrom("users")
      .select("name")
      .where("name", "=", request.name)
      .executeTakeFirst();
    if (taken) throw fail("LBG_EXISTS", `a user named ${request.name} already exists`);
    const user = { name: request.name, role: request.role, created_at: nowIso(ctx) };
    await trx.insertInto("users").values(user).execute();
    record({
      type: "user.created",
      actor: actor.name,
      subject: `user:${user.name}`,
      data: { role: user.role },
    });
    return { name: user.name, role: request.role, createdAt: user.created_at };
  });
}

export async function listTokens(ctx: ControlContext): Promise<TokenInfo[]> {
  const rows = await ctx.store.db.selectFrom("tokens").selectAll().orderBy("created_at").execute();
  return rows.map(tokenInfo);
}

/** A token for a user, with at most the user's role. */
export async function createUserToken(
  ctx: ControlContext,
  actor: Principal,
  request: CreateTokenRequest,
): Promise<CreatedToken> {
  return transact(ctx, async (trx, record) => {
    const user = await trx
      .selectFrom("users")
      .selectAll()
      .where("name", "=", request.user)
      .executeTakeFirst();
    if (!user) throw fail("LBG_NOT_FOUND", `there is no user ${request.user}`);
    const role = request.role ?? user.role;
    if (!isUserRole(role) || !roleAllows(user.role as UserRole, role)) {
      throw fail(
        "LBG_BAD_REQUEST",
        `role: ${request.user} is ${user.role} and cannot hold a ${String(role)} token`,
      );
    }
    return insertToken(ctx, trx, record, actor.name, { role, user: user.name, label: request.label ?? "" });
  });
}

export async function revokeToken(ctx: ControlContext, actor: Principal, id: string): Promise<TokenInfo> {
  return transact(ctx, async (trx, record) => {
    const row = await trx.selectFrom("tokens").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw fail("LBG_NOT_FOUND", `there is no token ${id}`);
    if (row.revoked_at === null) {
      row.revoked_at = nowIso(ctx);
      await trx.updateTable("tokens").set({ revoked_at: row.revoked_at }).where("id", "=", id).execute();
      record({ type: "token.revoked", actor: actor.name, subject: `token:${id}` });
    }
    return tokenInfo(row);
  });
}
