import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type BakePolicy,
  DEFAULT_POLICY,
  parsePolicy,
  POLICY_FILE_KEYS,
  readPolicy,
} from "../../../src/agent/bake/policy.js";
import { LbguardError } from "../../../src/errors.js";
import { ROOT } from "../../helpers.js";

/** The error `parsePolicy` throws on `text`. */
function failure(text: string): LbguardError {
  try {
    parsePolicy(text, "policy.yaml");
  } catch (error) {
    if (error instanceof LbguardError) return error;
    throw error;
  }
  throw new Error("parsePolicy accepted the text");
}

describe("parsePolicy", () => {
  it("reads an empty file as the default policy", () => {
    expect(parsePolicy("", "policy.yaml")).toEqual(DEFAULT_POLICY);
    expect(parsePolicy("# nothing yet\n", "policy.yaml")).toEqual(DEFAULT_POLICY);
  });

  it("lays the keys it is given over the defaults", () => {
    const policy = parsePolicy("window_ms: 2000\nserver_down: false\nerror_margin_pct: 2.5\n", "policy.yaml");
    expect(policy).toEqual({ ...DEFAULT_POLICY, windowMs: 2000, serverDown: false, errorMarginPct: 2.5 });
  });

  it("names the line of an unknown key and lists the keys", () => {
    const error = failure("bake_s: 30\n\nwindw_ms: 1000\n");
    expect(error.code).toBe("LBG_UNREADABLE_INPUT");
    expect(error.message).toContain("policy.yaml");
    expect(error.message).toContain(
      "line 3: unknown key 'windw_ms'; the keys are bake_s, sample_ms, window_ms",
    );
  });

  it("names the line of a value of the wrong type, and every problem at once", () => {
    const error = failure("min_requests: many\nserver_down: yes please\n");
    expect(error.message).toContain("line 1: 'min_requests' must be a number, e.g. 'min_requests: 30'");
    expect(error.message).toContain("line 2: 'server_down' must be true or false");
  });

  it("refuses sampling slower than 250 ms and percentages above 100", () => {
    expect(failure("sample_ms: 500\n").message).toContain(
      "line 1: 'sample_ms' must be greater than 0 and at most 250, not 500",
    );
    expect(failure("bake_s: 20\nshare_drift_pct: 150\n").message).toContain(
      "line 2: 'share_drift_pct' must be between 0 and 100",
    );
    expect(failure("min_requests: 2.5\n").message).toContain("must be a whole number");
  });

  it("refuses a window shorter than one sampling interval", () => {
    expect(failure("sample_ms: 200\nwindow_ms: 100\n").message).toContain(
      "line 2: window_ms (100) is shorter than sample_ms (200)",
    );
  });

  it("refuses a file that is not a mapping, or not YAML", () => {
    expect(failure("- window_ms: 1000\n").message).toContain("line 1: a policy is a mapping");
    expect(failure("window_ms: 1000\nbake_s: [20\n").message).toMatch(/line \d: not valid YAML/);
  });
});

describe("readPolicy", () => {
  it("reads a file from disk, and names the path it cannot read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lbguard-policy-"));
    const path = join(dir, "policy.yaml");
    writeFileSync(path, "grace_ms: 3000\n");
    expect((await readPolicy(path)).graceMs).toBe(3000);
    await expect(readPolicy(join(dir, "missing.yaml"))).rejects.toMatchObject({
      code: "LBG_UNREADABLE_INPUT",
      message: expect.stringContaining("missing.yaml"),
    });
  });
});

describe("docs/policy.md", () => {
  const doc = readFileSync(join(ROOT, "docs", "policy.md"), "utf8");

  it("documents every key with its default", () => {
    for (const [field, key] of Object.entries(POLICY_FILE_KEYS))
      expect(doc).toContain(`| \`${key}\` | ${String(DEFAULT_POLICY[field as keyof BakePolicy])} |`);
  });

  it("has an example that parses to a valid policy", () => {
    const example = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    expect(() => parsePolicy(example ?? "", "docs/policy.md")).not.toThrow();
  });
});
