// The dashboard's shell: sign-in, then the navigation, the cluster selector and the page the
// address names. Every page refreshes itself (use-poll.ts); nothing here needs a reload.
import { useContext, useEffect, useLayoutEffect, useMemo, useState } from "preact/hooks";
import type { WhoAmI } from "../../src/control/api-types.js";
import {
  ClusterContext,
  chooseCluster,
  rememberCluster,
  rememberedCluster,
  type ClusterChoice,
} from "./cluster.js";
import { Empty } from "./components/page.js";
import { SignInPage } from "./pages/sign-in.js";
import { linkTo, matchPath, useCurrentPath } from "./router.js";
import { ROUTES } from "./routes.js";
import {
  SessionContext,
  apiWith,
  signInProblem,
  storeToken,
  storedToken,
  useSession,
  type Session,
} from "./session.js";
import { usePoll } from "./use-poll.js";

export function App() {
  const [token, setToken] = useState<string | undefined>(storedToken());
  const [who, setWho] = useState<WhoAmI | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const signOut = (reason?: string) => {
    storeToken(undefined);
    setToken(undefined);
    setWho(undefined);
    setNotice(reason);
  };

  // A token kept from an earlier visit is checked again: it may have been revoked since.
  useEffect(() => {
    if (!token || who) return;
    apiWith(token)
      .whoami()
      .then(setWho)
      .catch((error: unknown) =>
        signOut(signInProblem(error) ?? `Could not reach the control plane: ${String(error)}`),
      );
  }, [token, who]);

  if (!token || !who) {
    if (token && !who) return <p class="loading">Checking your token…</p>;
    return (
      <SignInPage
        notice={notice}
        onSignedIn={(value, answer) => {
          storeToken(value);
          setToken(value);
          setWho(answer);
          setNotice(undefined);
        }}
      />
    );
  }
  return <SignedIn token={token} who={who} signOut={signOut} />;
}

function SignedIn(props: { token: string; who: WhoAmI; signOut: Session["signOut"] }) {
  const session = useMemo<Session>(
    () => ({ api: apiWith(props.token), who: props.who, signOut: props.signOut }),
    [props.token, props.who],
  );
  return (
    <SessionContext.Provider value={session}>
      <Shell />
    </SessionContext.Provider>
  );
}

function Shell() {
  const path = useCurrentPath();
  const clusterChoice = useClusterChoice();
  const page = useMemo(() => {
    for (const route of ROUTES) {
      const params = matchPath(route.pattern, path);
      if (params) return route.render(params);
    }
    return (
      <Empty title={`There is no page at ${path}.`}>
        <a href={linkTo("/")}>Go to the overview</a>
      </Empty>
    );
  }, [path]);

  return (
    <ClusterContext.Provider value={clusterChoice}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <div class="layout">
        <TopBar />
        <nav class="sidebar" aria-label="Pages">
          <ul>
            {ROUTES.filter((r) => r.nav).map((r) => (
              <li key={r.pattern}>
                <a href={linkTo(r.pattern)} aria-current={isSection(r.pattern, path) ? "page" : undefined}>
                  {r.nav}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" class="content" tabIndex={-1}>
          {clusterChoice.name || path === "/" ? page : <NoCluster />}
        </main>
      </div>
    </ClusterContext.Provider>
  );
}

/** Whether `path` is the nav entry's page or one below it (`/changes/3` is in `/changes`). */
function isSection(pattern: string, path: string): boolean {
  if (pattern === "/") return path === "/";
  return path === pattern || path.startsWith(`${pattern}/`);
}

function useClusterChoice(): ClusterChoice {
  const { api } = useSession();
  // usePoll also ends the session on a revoked token, even on a page that polls nothing else.
  const list = usePoll(() => api.clusters(), [api.base], 3000);
  const [name, setName] = useState<string | undefined>(undefined);
  // Before paint, so that a new list and the choice it implies show together.
  useLayoutEffect(() => {
    const clusters = list.data;
    if (clusters) setName((current) => chooseCluster(clusters, current ?? rememberedCluster()));
  }, [list.data]);
  return {
    name,
    clusters: list.data ?? [],
    select: (next: string) => {
      rememberCluster(next);
      setName(next);
    },
  };
}

function TopBar() {
  const { who, signOut } = useSession();
  const { name, clusters, select } = useContext(ClusterContext);
  return (
    <header class="topbar">
      <a class="brand" href={linkTo("/")}>
        lbguard
      </a>
      {clusters.length > 0 ? (
        <label class="cluster-select">
          <span>Cluster</span>
          <select value={name} onChange={(e) => select((e.target as HTMLSelectElement).value)}>
            {clusters.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <span class="who" data-testid="who">
        {who.name} <span class="role">{who.role}</span>
      </span>
      <button type="button" class="button button-plain" onClick={() => signOut()}>
        Sign out
      </button>
    </header>
  );
}

function NoCluster() {
  return (
    <Empty title="No cluster is registered yet.">
      An admin registers one with <code>lbguard cluster create NAME --config haproxy.cfg</code>, then adds its
      nodes with <code>lbguard nodes add NAME</code>. <code>lbguard demo</code> sets up a whole lab cluster.
    </Empty>
  );
}
