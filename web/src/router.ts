// Hash routes (`#/changes/12`): the server serves one page, and every view has an address that
// can be bookmarked, shared in an incident channel, and reached with the browser's back button.
import { useEffect, useState } from "preact/hooks";

/** The path after `#`, e.g. `/changes/12`; `/` when there is none. */
export function currentPath(): string {
  const path = window.location.hash.replace(/^#/, "");
  return path.startsWith("/") ? path : "/";
}

export function useCurrentPath(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const changed = () => setPath(currentPath());
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return path;
}

export function navigate(path: string): void {
  window.location.hash = path;
}

/** `href` for a link to a path. */
export function linkTo(path: string): string {
  return `#${path}`;
}

/**
 * The parameters of `path` when it matches `pattern` (`/changes/:id`), else undefined. Query
 * strings are ignored.
 */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split("/");
  const have = (path.split("?")[0] ?? "").split("/");
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const value = have[i] ?? "";
    if (part.startsWith(":")) params[part.slice(1)] = decodeURIComponent(value);
    else if (part !== value) return undefined;
  }
  return params;
}
