// The cluster the pages show. Most installations have one; with several, the header's selector
// switches every page at once, and the choice is remembered in this browser.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Cluster } from "../../src/control/api-types.js";

const STORAGE_KEY = "lbguard.cluster";

export interface ClusterChoice {
  /** The selected cluster's name; undefined while there is none. */
  name: string | undefined;
  clusters: Cluster[];
  select: (name: string) => void;
}

export const ClusterContext = createContext<ClusterChoice>({
  name: undefined,
  clusters: [],
  select: () => {},
});

export function useCluster(): ClusterChoice {
  return useContext(ClusterContext);
}

/**
 * The selected cluster's name, on the pages the shell shows only once a cluster is selected
 * (every page but the overview, which says itself that there is none).
 */
export function useClusterName(): string {
  const { name } = useCluster();
  if (!name) throw new Error("useClusterName outside a page with a selected cluster");
  return name;
}

export function rememberedCluster(): string | undefined {
  return localStorage.getItem(STORAGE_KEY) ?? undefined;
}

export function rememberCluster(name: string): void {
  localStorage.setItem(STORAGE_KEY, name);
}

/** The cluster to show: the remembered one while it exists, else the first. */
export function chooseCluster(clusters: Cluster[], remembered: string | undefined): string | undefined {
  if (remembered && clusters.some((c) => c.name === remembered)) return remembered;
  return clusters[0]?.name;
}
