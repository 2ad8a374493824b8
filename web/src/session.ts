// The signed-in token, kept in this browser's local storage until sign-out, and what the server
// says about it (name and role). Components read it through the Session context.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { ApiClient } from "../../src/client/api-client.js";
import type { TokenRole, WhoAmI } from "../../src/control/api-types.js";
import { roleAllows } from "../../src/control/roles.js";
import { LbguardError } from "../../src/errors.js";

const STORAGE_KEY = "lbguard.token";

export interface Session {
  api: ApiClient;
  who: WhoAmI;
  /** Ends the session; `reason` is shown on the sign-in page. */
  signOut: (reason?: string) => void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

/** The current session; only used below the signed-in shell, where it always exists. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a signed-in page");
  return session;
}

export function storedToken(): string | undefined {
  return localStorage.getItem(STORAGE_KEY) ?? undefined;
}

export function storeToken(token: string | undefined): void {
  if (token === undefined) localStorage.removeItem(STORAGE_KEY);
  else localStorage.setItem(STORAGE_KEY, token);
}

/** A client of this control plane (the page's own origin) with the given token. */
export function apiWith(token: string): ApiClient {
  return new ApiClient({ server: window.location.origin, token, timeoutMs: 15_000 });
}

/** Whether the signed-in token may do what `needed` may; the server decides again on every call. */
export function useCan(needed: TokenRole): boolean {
  return roleAllows(useSession().who.role, needed);
}

/** The sentence shown when the server refused the token. */
export function signInProblem(error: unknown): string | undefined {
  if (!(error instanceof LbguardError)) return undefined;
  if (error.code === "LBG_UNAUTHENTICATED") {
    return `The server refused this token: ${error.message}. It may have been revoked, or mistyped; ask an admin for a new one (lbguard token create).`;
  }
  if (error.code === "LBG_FORBIDDEN") {
    return `This token cannot use the dashboard: ${error.message}.`;
  }
  return undefined;
}
