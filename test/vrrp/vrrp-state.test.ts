import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LbguardError } from "../../src/errors.js";
import { isProcessAlive } from "../../src/haproxy/runtime/master-process.js";
import { readPidFile, reloadKeepalived } from "../../src/vrrp/keepalived-process.js";
import { nodePaths } from "../../src/vrrp/node-paths.js";
import { listsAddress, parseStateLine, readVrrpStatus } from "../../src/vrrp/vrrp-state.js";
import { samplePair } from "./pair-fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "lbguard-vrrp-state-"));
const paths = nodePaths(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The PID of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn("true");
  await new Promise((resolve) => child.on("close", resolve));
  return child.pid!;
}

describe("parseStateLine", () => {
  it("reads the notify script's line; STOP and DELETED mean STOPPED", () => {
    expect(parseStateLine("MASTER 150\n")).toBe("MASTER");
    expect(parseStateLine("BACKUP 100\n")).toBe("BACKUP");
    expect(parseStateLine("FAULT 0\n")).toBe("FAULT");
    expect(parseStateLine("STOP 150\n")).toBe("STOPPED");
    expect(parseStateLine("DELETED 150\n")).toBe("STOPPED");
    expect(parseStateLine("")).toBe("UNKNOWN");
    expect(parseStateLine("master")).toBe("UNKNOWN");
  });
});

describe("listsAddress", () => {
  const output =
    "2: eth0    inet 198.51.100.11/24 brd 198.51.100.255 scope global eth0\\       valid_lft forever preferred_lft forever\n" +
    "2: eth0    inet 198.51.100.100/24 scope global secondary eth0\\       valid_lft forever preferred_lft forever\n";
  it("finds an address among the interface's, by whole address", () => {
    expect(listsAddress(output, "198.51.100.100")).toBe(true);
    expect(listsAddress(output, "198.51.100.10")).toBe(false);
    expect(listsAddress("", "198.51.100.100")).toBe(false);
  });
});

describe("readVrrpStatus", () => {
  // An interface that does not exist: `ip` fails, which reads as not holding the VIP.
  const pair = samplePair({ interface: "lbgv1none0" });

  it("reads the state file while the pid file names a live process", async () => {
    writeFileSync(paths.stateFile, "MASTER 150\n");
    const pidFile = join(dir, "live.pid");
    writeFileSync(pidFile, `${process.pid}\n`);
    expect(await readVrrpStatus(pair, paths, pidFile)).toEqual({ state: "MASTER", holdsVip: false });
    expect(await readVrrpStatus(pair, paths)).toEqual({ state: "MASTER", holdsVip: false });
  });

  it("says STOPPED when keepalived's process is gone, whatever the state file says", async () => {
    writeFileSync(paths.stateFile, "MASTER 150\n");
    const pidFile = join(dir, "dead.pid");
    writeFileSync(pidFile, `${await deadPid()}\n`);
    expect((await readVrrpStatus(pair, paths, pidFile)).state).toBe("STOPPED");
    expect((await readVrrpStatus(pair, paths, join(dir, "missing.pid"))).state).toBe("STOPPED");
  });

  it("says UNKNOWN before the notify script has written anything", async () => {
    rmSync(paths.stateFile, { force: true });
    expect((await readVrrpStatus(pair, paths)).state).toBe("UNKNOWN");
  });
});

describe("reloadKeepalived", () => {
  it("refuses a missing pid file and a process that is gone, with LBG_KEEPALIVED_NOT_RUNNING", async () => {
    await expect(reloadKeepalived(join(dir, "none.pid"))).rejects.toMatchObject({
      code: "LBG_KEEPALIVED_NOT_RUNNING",
    });
    const pidFile = join(dir, "gone.pid");
    writeFileSync(pidFile, `${await deadPid()}\n`);
    const error = await reloadKeepalived(pidFile).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LbguardError);
    expect((error as LbguardError).message).toMatch(/which is gone$/);
  });

  it("reads pid files and tells live processes from dead ones", async () => {
    writeFileSync(join(dir, "junk.pid"), "not a pid\n");
    expect(readPidFile(join(dir, "junk.pid"))).toBeUndefined();
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(await deadPid())).toBe(false);
  });
});
