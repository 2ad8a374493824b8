import type { CreatedToken, TokenInfo, User, WhoAmI } from "../../control/api-types.js";
import { painter } from "./paint.js";
import { shortTime, table } from "./table.js";
import { terminalSafe } from "./terminal-safe.js";

/** Who a token acts for: `alice`, or `node web/lb-1` for an agent token. */
function holder(token: TokenInfo): string {
  if (token.node) return `node ${token.cluster ?? "?"}/${token.node}`;
  return token.user ?? "-";
}

/** A token just created, with its secret, which the server shows only this once. */
export function renderTokenCreated(raw: CreatedToken, color: boolean): string {
  const token = terminalSafe(raw);
  const paint = painter(color);
  return [
    `token ${token.id} for ${holder(token)} (role ${token.role}${token.label ? `, label ${token.label}` : ""}), shown only this once:`,
    `  ${paint("bold", token.token)}`,
    "",
  ].join("\n");
}

/** Tokens as a table, revoked ones marked; never with their secrets (the server keeps only hashes). */
export function renderTokens(raw: TokenInfo[], color: boolean): string {
  if (raw.length === 0) return "no tokens\n";
  const rows = terminalSafe(raw).map((t) => [
    t.id,
    t.role,
    holder(t),
    t.label,
    shortTime(t.createdAt),
    t.revokedAt ? { text: `revoked ${shortTime(t.revokedAt)}`, style: "red" as const } : "active",
  ]);
  return `${table([["id", "role", "for", "label", "created", "state"], ...rows], painter(color)).join("\n")}\n`;
}

/** Users as a table. */
export function renderUsers(raw: User[]): string {
  if (raw.length === 0) return "no users\n";
  const rows = terminalSafe(raw).map((u) => [u.name, u.role, shortTime(u.createdAt)]);
  return `${table([["user", "role", "created"], ...rows]).join("\n")}\n`;
}

/** One user, as created. */
export function renderUser(raw: User): string {
  const user = terminalSafe(raw);
  return `user ${user.name} (${user.role}) created; give them a token with 'lbguard token create --user ${user.name}'\n`;
}

/** Who the token in use belongs to, and its role. */
export function renderWhoAmI(raw: WhoAmI): string {
  const me = terminalSafe(raw);
  const node = me.node ? `, agent of node ${me.cluster ?? "?"}/${me.node}` : "";
  return `${me.name} (role ${me.role}${node}), token ${me.token}\n`;
}
