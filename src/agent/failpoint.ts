/**
 * Kills this process with SIGKILL at the named point when `LBGUARD_FAILPOINT` names it. The
 * crash-safety test uses it to stop the agent between any two steps of an apply, exactly as
 * a power cut or an OOM kill would, and then checks what a restarted agent finds.
 */
export function failpoint(name: string): void {
  if (process.env.LBGUARD_FAILPOINT === name) process.kill(process.pid, "SIGKILL");
}

/** Every failpoint in the apply procedure, in the order they are reached. */
export const APPLY_FAILPOINTS = [
  "after-validate",
  "after-backup",
  "before-rename",
  "after-rename",
  "after-reload",
  "during-bake",
  "before-rollback-reload",
  "after-rollback-reload",
  "before-promote",
] as const;
