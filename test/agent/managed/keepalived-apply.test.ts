import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openAgentContext, type AgentContext } from "../../../src/agent/agent-context.js";
import { DEFAULT_POLICY } from "../../../src/agent/bake/policy.js";
import { connectKeepalived } from "../../../src/agent/keepalived-node.js";
import {
  KeepalivedJournal,
  readManagedFiles,
  recoverKeepalived,
  revertKeepalived,
  switchKeepalived,
  validateKeepalived,
} from "../../../src/agent/managed/keepalived-apply.js";
import { renderNodeFiles } from "../../../src/agent/managed/keepalived-plan.js";
import { parseVrrpPair } from "../../../src/vrrp/pair.js";
import { labPair, labSupport, openKeepalivedLab, type KeepalivedLab } from "./keepalived-lab.js";

// A real keepalived in the network namespace lbga-kapply (never on the host's interfaces).
const support = labSupport();
if (!support.ok && process.env.CI === "true")
  throw new Error(`keepalived tests cannot run: ${support.reason}`);

const FIRST = labPair(100);
const MOVED = labPair(101);
const filesFor = (text: string, lab: KeepalivedLab) =>
  renderNodeFiles(parseVrrpPair(text, "pair.yaml"), "lb-1", lab.node.paths);

let lab: KeepalivedLab | undefined;
let ctx: AgentContext;
let scratch: string;

async function eventually(
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}\nkeepalived's log:\n${lab?.log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!support.ok)(
  `keepalived's part of an apply, on a real keepalived${support.ok ? "" : ` (skipped: ${support.reason})`}`,
  () => {
    beforeAll(async () => {
      scratch = mkdtempSync(join(tmpdir(), "lbga-kapply-"));
      ctx = openAgentContext(join(scratch, "data"), DEFAULT_POLICY);
      lab = await openKeepalivedLab("lbga-kapply");
      lab.render(FIRST);
      await lab.start();
      await eventually(() => lab!.holds("198.51.100.100"), 15_000, "keepalived to take the first VIP");
    }, 30_000);

    afterAll(async () => {
      await lab?.close();
      rmSync(scratch, { recursive: true, force: true });
    });

    it("runs keepalived -t on the candidate before writing: a pair naming an interface this node lacks is refused, nothing changes", async () => {
      const before = readManagedFiles(lab!.node.paths);
      const elsewhere = labPair(100, { interface: "lbga-none0" });
      const problems = await validateKeepalived(
        lab!.node,
        parseVrrpPair(elsewhere, "pair.yaml"),
        "lb-1",
        filesFor(elsewhere, lab!),
      );
      expect(problems.join("\n")).toContain("lbga-none0");
      expect(readManagedFiles(lab!.node.paths)).toEqual(before);
      // The staged scripts are gone too.
      expect(readdirSync(lab!.dir).filter((name) => name.startsWith(".lbguard-check-"))).toEqual([]);

      // The same pair on the interface the node has passes.
      expect(
        await validateKeepalived(lab!.node, parseVrrpPair(MOVED, "pair.yaml"), "lb-1", filesFor(MOVED, lab!)),
      ).toEqual([]);
    });

    it("switches keepalived to new files (scripts executable) and keepalived moves to the new VIP; reverting puts the old ones back", async () => {
      const journal = new KeepalivedJournal(ctx.dataDir);
      const previous = readManagedFiles(lab!.node.paths);
      const files = filesFor(MOVED, lab!);
      const outcome = await switchKeepalived(lab!.node, ctx, journal, {
        apply: "apply-switch",
        version: 2,
        actor: "control-plane",
        files,
      });
      expect(outcome).toEqual({ ok: true, pid: lab!.node.running() });
      expect(readManagedFiles(lab!.node.paths)).toEqual(files);
      for (const script of [lab!.node.paths.checkScript, lab!.node.paths.notifyScript]) {
        expect(statSync(script).mode & 0o777).toBe(0o755);
      }
      expect(statSync(lab!.node.paths.conf).mode & 0o777).toBe(0o644);
      expect(journal.current()).toMatchObject({ apply: "apply-switch", version: 2, previous });
      await eventually(
        async () => (await lab!.holds("198.51.100.101")) && !(await lab!.holds("198.51.100.100")),
        10_000,
        "keepalived to move to the new VIP",
      );
      expect(ctx.events.read().find((e) => e.type === "keepalived.replaced")).toMatchObject({
        apply: "apply-switch",
        evidence: { path: lab!.node.paths.conf },
      });

      await revertKeepalived(lab!.node, ctx, journal, "the version's apply ended rolled-back");
      expect(readManagedFiles(lab!.node.paths)).toEqual(previous);
      expect(journal.current()).toBeUndefined();
      await eventually(
        async () => (await lab!.holds("198.51.100.100")) && !(await lab!.holds("198.51.100.101")),
        10_000,
        "keepalived to return to the first VIP",
      );
    }, 30_000);

    it("settles the keepalived part a killed agent left: put back unless its HAProxy part was promoted", async () => {
      const journal = new KeepalivedJournal(ctx.dataDir);
      const previous = readManagedFiles(lab!.node.paths);
      const files = filesFor(MOVED, lab!);
      const switched = { apply: "apply-killed", version: 3, actor: "control-plane", files };

      expect(await switchKeepalived(lab!.node, ctx, journal, switched)).toMatchObject({ ok: true });
      // Killed while HAProxy baked: recoverNode reverted the HAProxy part.
      expect(await recoverKeepalived(lab!.node, ctx, { apply: "apply-killed", action: "reverted" })).toBe(
        "reverted",
      );
      expect(readManagedFiles(lab!.node.paths)).toEqual(previous);
      expect(journal.current()).toBeUndefined();
      await eventually(() => lab!.holds("198.51.100.100"), 10_000, "the first VIP back");

      expect(
        await switchKeepalived(lab!.node, ctx, journal, { ...switched, apply: "apply-promoted" }),
      ).toMatchObject({
        ok: true,
      });
      // Killed as the bake passed: the new files stay.
      expect(await recoverKeepalived(lab!.node, ctx, { apply: "apply-promoted", action: "promoted" })).toBe(
        "kept",
      );
      expect(readManagedFiles(lab!.node.paths)).toEqual(files);
      expect(await recoverKeepalived(lab!.node, ctx, undefined)).toBeUndefined();
      expect(
        ctx.events
          .read()
          .filter((e) => e.type === "keepalived.recovered")
          .map((e) => [e.apply, e.evidence?.action]),
      ).toEqual([
        ["apply-killed", "reverted"],
        ["apply-promoted", "kept"],
      ]);

      // Back to the first pair for the next case.
      const back = filesFor(FIRST, lab!);
      expect(
        await switchKeepalived(lab!.node, ctx, journal, { ...switched, apply: "apply-back", files: back }),
      ).toMatchObject({
        ok: true,
      });
      journal.clear();
    }, 30_000);

    it("puts the previous files back and fails when keepalived exits on the reload, saying it must be started again", async () => {
      // A process that, unlike keepalived, dies of SIGHUP stands in for a keepalived that exits
      // on loading the new files. It has its own pid file and directory.
      const dir = mkdtempSync(join(scratch, "exits-"));
      const pidFile = join(dir, "keepalived.pid");
      const standIn = spawn("sleep", ["600"], { stdio: "ignore" });
      try {
        writeFileSync(pidFile, `${standIn.pid}\n`);
        const node = connectKeepalived({ dir, pidFile });
        const first = renderNodeFiles(parseVrrpPair(FIRST, "pair.yaml"), "lb-1", node.paths);
        for (const name of ["checkScript", "notifyScript", "conf"] as const)
          writeFileSync(node.paths[name], first[name]);
        mkdirSync(join(dir, "data"));
        const journal = new KeepalivedJournal(join(dir, "data"));
        const outcome = await switchKeepalived(node, ctx, journal, {
          apply: "apply-exits",
          version: 4,
          actor: "control-plane",
          files: renderNodeFiles(parseVrrpPair(MOVED, "pair.yaml"), "lb-1", node.paths),
        });
        expect(outcome).toMatchObject({ ok: false, status: "failed" });
        expect(!outcome.ok && outcome.reason).toMatch(
          new RegExp(`keepalived \\(pid ${standIn.pid}\\) exited after loading the new .*start it again`),
        );
        expect(readManagedFiles(node.paths)).toEqual(first);
        expect(journal.current()).toBeUndefined();
        expect(
          ctx.events.read().find((e) => e.apply === "apply-exits" && e.type === "keepalived.restored"),
        ).toBeDefined();
      } finally {
        standIn.kill("SIGKILL");
      }
    });

    it("fails before writing anything when keepalived is not running", async () => {
      const dir = mkdtempSync(join(scratch, "stopped-"));
      const node = connectKeepalived({ dir, pidFile: join(dir, "missing.pid") });
      const outcome = await switchKeepalived(node, ctx, new KeepalivedJournal(join(dir, "data")), {
        apply: "apply-stopped",
        version: 5,
        actor: "control-plane",
        files: renderNodeFiles(parseVrrpPair(MOVED, "pair.yaml"), "lb-1", node.paths),
      });
      expect(outcome).toMatchObject({ ok: false, status: "failed" });
      expect(!outcome.ok && outcome.reason).toContain("keepalived is not running");
      expect(existsSync(node.paths.conf)).toBe(false);
      expect(existsSync(join(dir, "data", "keepalived-apply.json"))).toBe(false);
      expect(readFileSync(lab!.node.paths.conf, "utf8")).toContain("198.51.100.100/24");
    });
  },
);
