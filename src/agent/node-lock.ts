import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

/** Thrown when another lbguard process is applying on this node. */
export class NodeBusyError extends Error {
  constructor(readonly pid: number) {
    super(`another lbguard process (PID ${pid}) is applying a change on this node`);
    this.name = "NodeBusyError";
  }
}

/**
 * Takes the node's apply lock (`agent.lock` in the data directory), so that two applies never
 * interleave. A lock left by a process that no longer runs (killed mid-apply) is taken over:
 * the journal, not the lock, says what that process left unfinished.
 */
export function lockNode(dataDir: string): () => void {
  const path = join(dataDir, "agent.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(readFileSync(path, "utf8").trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
        throw new NodeBusyError(holder);
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`cannot take the lock ${path}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
