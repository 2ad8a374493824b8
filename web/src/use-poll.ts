// Data that stays fresh without a reload: each page asks for what it shows, again every few
// seconds. Polling (rather than a push channel) keeps the server a plain REST API and survives
// a restart of the control plane without any reconnect logic.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { LbguardError } from "../../src/errors.js";
import { useSession } from "./session.js";

export interface Polled<T> {
  data: T | undefined;
  error: Error | undefined;
  /** Ask again now (after an action changed what the page shows). */
  reload: () => void;
}

/** The default refresh: the live traffic chart needs at least one point every 2 s. */
export const REFRESH_MS = 1000;

/**
 * Calls `load` now and every `intervalMs`, keeping the last answer while a new one is on its way
 * and while the server is briefly unreachable. A refused token ends the session.
 */
export function usePoll<T>(load: () => Promise<T>, deps: unknown[], intervalMs = REFRESH_MS): Polled<T> {
  const { signOut } = useSession();
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    setData(undefined);
    setError(undefined);
    // A new subject (another change, another cluster): forget the old one's answer.
  }, deps);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const round = async () => {
      try {
        const answer = await loadRef.current();
        if (stopped) return;
        setData(answer);
        setError(undefined);
      } catch (caught) {
        if (stopped) return;
        if (caught instanceof LbguardError && caught.code === "LBG_UNAUTHENTICATED") {
          signOut(`The server no longer accepts this token (${caught.message}). Sign in again.`);
          return;
        }
        setError(caught instanceof Error ? caught : new Error(String(caught)));
      }
      if (!stopped) timer = setTimeout(round, intervalMs);
    };
    void round();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [...deps, tick, intervalMs]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, reload };
}
