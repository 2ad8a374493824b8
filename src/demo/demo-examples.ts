import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LbguardError } from "../errors.js";
import { readText } from "../read-text.js";
import { type DemoNetwork, relocateAddresses } from "./demo-network.js";

/** The files of examples/demo, by what they are for. */
export const DEMO_FILES = {
  /** What both load balancers run at start: version 1. */
  config: "haproxy.cfg",
  /** The servers behind them, with roles and capacities: what the demo emulates and the gate reads. */
  inventory: "inventory.yaml",
  /** A change the gate passes: web-03 joins the pool. */
  good: "good.cfg",
  /** A change the gate blocks and the bake rolls back: the database in the web pool. */
  bad: "bad.cfg",
} as const;

export type DemoFile = keyof typeof DEMO_FILES;

/** The example files' text, with their addresses moved to the cluster's network. */
export type DemoTexts = Record<DemoFile, string>;

/**
 * examples/demo of this checkout: beside `src/` when running from the TypeScript sources, beside
 * `dist/` when running the build (both are two levels below the repository root).
 */
export function demoExamplesDir(): string {
  const dir = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "demo");
  if (!existsSync(join(dir, DEMO_FILES.config))) {
    throw new LbguardError("LBG_UNREADABLE_INPUT", {
      path: dir,
      reason: "the demo's example files are missing; run the demo from a checkout of the lbguard repository",
    });
  }
  return dir;
}

/** Reads the example files from `dir` and moves their addresses to `network`. */
export async function readDemoTexts(dir: string, network: DemoNetwork): Promise<DemoTexts> {
  const texts = {} as DemoTexts;
  for (const [key, name] of Object.entries(DEMO_FILES) as [DemoFile, string][]) {
    texts[key] = relocateAddresses(await readText(join(dir, name)), network);
  }
  return texts;
}
