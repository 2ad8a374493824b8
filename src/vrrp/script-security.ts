import { lstatSync } from "node:fs";

const STICKY = 0o1000;
const GROUP_WRITE = 0o020;
const OTHER_WRITE = 0o002;

/**
 * Why keepalived's `enable_script_security` would refuse to run the script at `path` as root,
 * or an empty list when it would run it. keepalived 2.2 walks the path from `/`: every part must
 * belong to root, and none may be writable by others or by a group other than root's, except a
 * directory with the sticky bit (such as /tmp). A refused health script is dropped silently
 * from the instance, which would then never leave MASTER on a failing HAProxy.
 */
export function scriptSecurityProblems(path: string): string[] {
  const problems: string[] = [];
  const parts = path.split("/").filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const current = `/${parts.slice(0, i).join("/")}`;
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(current);
    } catch {
      problems.push(`${current} does not exist`);
      return problems;
    }
    if (i < parts.length && !stat.isDirectory()) {
      problems.push(
        `${current} is not a directory (keepalived does not follow symbolic links in script paths)`,
      );
      return problems;
    }
    if (stat.uid !== 0) problems.push(`${current} belongs to uid ${stat.uid}, not root`);
    else if (stat.isDirectory() && (stat.mode & STICKY) !== 0) continue;
    else if ((stat.gid !== 0 && (stat.mode & GROUP_WRITE) !== 0) || (stat.mode & OTHER_WRITE) !== 0)
      problems.push(
        `${current} is writable by users other than root (mode ${(stat.mode & 0o7777).toString(8)})`,
      );
  }
  return problems;
}
