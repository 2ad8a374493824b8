// Which two versions the history page compares. Pure.
import type { VersionInfo } from "../../../src/control/api-types.js";

/** Two versions to diff: `from` is shown as the old side, `to` as the new one. */
export interface VersionPair {
  from: number;
  to: number;
}

/**
 * The version `id` was made from: its recorded parent, else the next older version of the list
 * (newest first, as the API answers); undefined for the first version.
 */
export function previousVersion(versions: readonly VersionInfo[], id: number): number | undefined {
  const version = versions.find((v) => v.id === id);
  if (version?.parent !== undefined) return version.parent;
  const older = versions.filter((v) => v.id < id).map((v) => v.id);
  return older.length > 0 ? Math.max(...older) : undefined;
}

/**
 * The pair to show when the address names none: the newest version against the one it was made
 * from; undefined while the cluster has a single version.
 */
export function defaultPair(versions: readonly VersionInfo[]): VersionPair | undefined {
  const newest = versions.reduce<VersionInfo | undefined>(
    (best, v) => (!best || v.id > best.id ? v : best),
    undefined,
  );
  if (!newest) return undefined;
  const from = previousVersion(versions, newest.id);
  return from === undefined ? undefined : { from, to: newest.id };
}

/** The pair named by the route's parameters (`/history/:from/:to`), when both are version ids. */
export function pairFromParams(params: Record<string, string>): VersionPair | undefined {
  const from = Number(params.from);
  const to = Number(params.to);
  return Number.isInteger(from) && Number.isInteger(to) && from > 0 && to > 0 ? { from, to } : undefined;
}

/** The route that shows a pair. */
export function pairPath(pair: VersionPair): string {
  return `/history/${pair.from}/${pair.to}`;
}

/**
 * The pair the page shows: the one the address names while both are versions of this cluster
 * (after switching clusters they are not), else the default pair.
 */
export function pairToShow(
  params: Record<string, string>,
  versions: readonly VersionInfo[],
): VersionPair | undefined {
  const named = pairFromParams(params);
  const known = (id: number) => versions.some((v) => v.id === id);
  return named && known(named.from) && known(named.to) ? named : defaultPair(versions);
}
