import { USER_ROLES, type TokenRole, type UserRole } from "./api-types.js";

/** Whether `role` may do what `needed` may: roles are ordered, agents are apart from users. */
export function roleAllows(role: TokenRole, needed: TokenRole): boolean {
  if (role === "agent" || needed === "agent") return role === needed;
  return USER_ROLES.indexOf(role) >= USER_ROLES.indexOf(needed);
}

/** Whether `value` names a user role. */
export function isUserRole(value: unknown): value is UserRole {
  return typeof value === "string" && (USER_ROLES as readonly string[]).includes(value);
}
