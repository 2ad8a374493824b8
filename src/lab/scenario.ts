import { readFileSync } from "node:fs";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from "yaml";
import { LbguardError } from "../errors.js";
import type { InventoryServer } from "../inventory/inventory.js";
import { readInventory } from "../inventory/read-inventory.js";

/** Seconds of load on `before` before anything changes, when a scenario does not say. */
export const DEFAULT_WARMUP_S = 5;

/** Seconds the agent watches after the apply, when a scenario does not say. */
export const DEFAULT_BAKE_S = 20;

/** The request paths and their relative weights when a scenario does not say: all on `/`. */
export const DEFAULT_PATHS: readonly ScenarioPath[] = [{ path: "/", weight: 1 }];

/**
 * A server the lab starts: an inventory entry plus how an emulated web server behaves, which an
 * inventory does not describe.
 */
export interface LabServer extends InventoryServer {
  /** Delay added to every answer of a web server, in milliseconds. */
  latencyMs?: number;
  /** Path prefixes a web server serves; other paths get 404 (default: every path). */
  serves?: string[];
}

/** One request path of the scenario's load and its relative weight. */
export interface ScenarioPath {
  path: string;
  weight: number;
}

/** A drill scenario, as described in the shared scenarios README. */
export interface Scenario {
  /** The file it was read from. */
  path: string;
  name: string;
  /** The postmortem it replays. */
  seed?: string;
  story?: string;
  servers: LabServer[];
  load: { target: URL; rps: number; paths: ScenarioPath[] };
  timing: { warmupS: number; bakeS: number };
  /** The running, known-good haproxy.cfg. */
  before: string;
  /** The change under test. */
  after: string;
  expect: { gate?: "block" | "pass"; forcedRollback?: boolean };
}

const TOP_KEYS = ["name", "seed", "story", "servers", "load", "timing", "before", "after", "expect"];
const SERVER_KEYS = ["name", "role", "address", "health", "capacity_rps", "latency_ms", "serves"];
const WEB_ONLY = ["health", "capacity_rps", "latency_ms", "serves"];

/** One problem with a file, with its position and what to do about it. */
interface Problem {
  line: number;
  column: number;
  message: string;
  hint: string;
}

/** Reads and validates a scenario file; throws LBG_UNREADABLE_INPUT naming the file and lines. */
export function readScenario(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new LbguardError(
      "LBG_UNREADABLE_INPUT",
      { path, reason: (error as Error).message },
      { cause: error },
    );
  }
  return parseScenario(text, path);
}

/**
 * Validates scenario text and returns it typed, with defaults filled in. The servers are read by
 * the inventory reader, so a scenario is an inventory by construction. Throws LBG_UNREADABLE_INPUT
 * listing every problem with its line and what to change.
 */
export function parseScenario(text: string, path: string): Scenario {
  const reader = new YamlReader(text);
  const problems = reader.problems;
  const root = reader.root();
  if (!root) throw unreadable(path, problems);

  reader.unknownKeys(root, TOP_KEYS, "a scenario");
  const name = reader.string(root, "name", "a scenario", true);
  const seed = reader.string(root, "seed", "a scenario", false);
  const story = reader.string(root, "story", "a scenario", false);
  const servers = readServers(text, path, reader, root);

  const loadNode = reader.map(root, "load", "a scenario", true);
  let load: Scenario["load"] | undefined;
  if (loadNode) {
    reader.unknownKeys(loadNode, ["target", "rps", "paths"], "'load'");
    const target = readTarget(reader, loadNode);
    const rps = reader.number(loadNode, "rps", "'load'", { required: true, positive: true });
    const paths = readPaths(reader, loadNode);
    if (target && rps !== undefined) load = { target, rps, paths };
  }

  const timing = { warmupS: DEFAULT_WARMUP_S, bakeS: DEFAULT_BAKE_S };
  const timingNode = reader.map(root, "timing", "a scenario", false);
  if (timingNode) {
    reader.unknownKeys(timingNode, ["warmup_s", "bake_s"], "'timing'");
    timing.warmupS = reader.number(timingNode, "warmup_s", "'timing'", {}) ?? DEFAULT_WARMUP_S;
    timing.bakeS = reader.number(timingNode, "bake_s", "'timing'", { positive: true }) ?? DEFAULT_BAKE_S;
  }

  const before = reader.string(root, "before", "a scenario", true);
  const after = reader.string(root, "after", "a scenario", true);

  const expect: Scenario["expect"] = {};
  const expectNode = reader.map(root, "expect", "a scenario", false);
  if (expectNode) {
    reader.unknownKeys(expectNode, ["gate", "forced_rollback"], "'expect'");
    const gateNode = expectNode.get("gate", true) as Node | undefined;
    const gate = expectNode.get("gate");
    if (gate === "block" || gate === "pass") expect.gate = gate;
    else if (gateNode !== undefined)
      reader.problem(gateNode, "'expect.gate' must be block or pass", "Write 'gate: block' or 'gate: pass'.");
    const rollbackNode = expectNode.get("forced_rollback", true) as Node | undefined;
    const rollback = expectNode.get("forced_rollback");
    if (typeof rollback === "boolean") expect.forcedRollback = rollback;
    else if (rollbackNode !== undefined)
      reader.problem(
        rollbackNode,
        "'expect.forced_rollback' must be true or false",
        "Write 'forced_rollback: true' or 'forced_rollback: false'.",
      );
  }

  if (problems.length > 0 || name === undefined || before === undefined || after === undefined || !load) {
    throw unreadable(path, problems);
  }
  const scenario: Scenario = { path, name, servers, load, timing, before, after, expect };
  if (seed !== undefined) scenario.seed = seed;
  if (story !== undefined) scenario.story = story;
  return scenario;
}

/**
 * True when the text is meant as a scenario (a YAML mapping with a `before:` config) rather than
 * an inventory; a file that is not YAML counts as a scenario, whose reader reports the error.
 */
export function isScenarioText(text: string): boolean {
  const doc = parseDocument(text);
  return doc.errors.length > 0 || (isMap(doc.contents) && doc.contents.has("before"));
}

/**
 * Reads the servers of an inventory or scenario file with the web-only fields the lab needs
 * (`latency_ms`, `serves`). Throws LBG_UNREADABLE_INPUT listing every problem with its line.
 */
export function readLabServers(text: string, path: string): LabServer[] {
  const reader = new YamlReader(text);
  const root = reader.root();
  if (!root) throw unreadable(path, reader.problems);
  const servers = readServers(text, path, reader, root);
  if (reader.problems.length > 0) throw unreadable(path, reader.problems);
  return servers;
}

/** The servers through the inventory reader, with the lab's own fields added and checked. */
function readServers(text: string, path: string, reader: YamlReader, root: YAMLMap): LabServer[] {
  const { inventory, diagnostics } = readInventory(path, text);
  for (const d of diagnostics) {
    reader.problems.push({
      line: d.span.line,
      column: d.span.column,
      message: d.message,
      hint: d.hint ?? "",
    });
  }
  const seq = root.get("servers", true);
  if (!isSeq(seq)) return [];
  // The inventory reader gives each server the span of its entry: match entries by position.
  const byStart = new Map<string, YAMLMap>();
  for (const item of seq.items) {
    if (!isMap(item)) continue;
    const at = reader.position(item);
    byStart.set(`${at.line}:${at.column}`, item);
  }
  const names = new Set<string>();
  const servers: LabServer[] = [];
  for (const server of inventory.servers) {
    const item = byStart.get(`${server.span.line}:${server.span.column}`);
    const entry: LabServer = { ...server };
    servers.push(entry);
    if (!item) continue;
    const what = `server '${server.name}'`;
    reader.unknownKeys(item, SERVER_KEYS, what);
    if (names.has(server.name)) {
      reader.problem(
        item.get("name", true) as Node,
        `${what} is listed twice`,
        "Give every server a unique name.",
      );
    }
    names.add(server.name);
    if (server.port === undefined) {
      reader.problem(
        item.get("address", true) as Node,
        `${what}: the address has no port`,
        "Write the address as HOST:PORT, e.g. 127.0.10.1:8080.",
      );
    }
    if (server.role !== "web") {
      for (const key of WEB_ONLY) {
        const node = item.get(key, true) as Node | undefined;
        if (node !== undefined)
          reader.problem(
            node,
            `${what}: '${key}' applies to web servers only`,
            `Remove '${key}' or set 'role: web'.`,
          );
      }
      continue;
    }
    const latency = reader.number(item, "latency_ms", what, {});
    if (latency !== undefined) entry.latencyMs = latency;
    const healthNode = item.get("health", true) as Node | undefined;
    if (healthNode !== undefined && !(typeof server.health === "string" && server.health.startsWith("/")))
      reader.problem(healthNode, `${what}: 'health' must be a path`, "Write a path such as /health.");
    const servesNode = item.get("serves", true) as Node | undefined;
    if (servesNode !== undefined) {
      const serves = item.get("serves");
      const ok =
        isSeq(serves) &&
        serves.items.every((p) => isScalar(p) && typeof p.value === "string" && p.value.startsWith("/"));
      if (ok) entry.serves = serves.items.map((p) => String((p as { value: unknown }).value));
      else
        reader.problem(
          servesNode,
          `${what}: 'serves' must be a list of path prefixes`,
          "Write e.g. 'serves: [/api, /static]', or leave it out to serve every path.",
        );
    }
  }
  return servers;
}

function readTarget(reader: YamlReader, load: YAMLMap): URL | undefined {
  const raw = reader.string(load, "target", "'load'", true);
  if (raw === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    reader.problem(
      load.get("target", true) as Node,
      `'load.target' is not an http URL: '${raw}'`,
      "Write the address clients send to, a bind of 'before', e.g. http://127.0.0.1:18080.",
    );
    return undefined;
  }
  return url;
}

function readPaths(reader: YamlReader, load: YAMLMap): ScenarioPath[] {
  const node = load.get("paths", true) as Node | undefined;
  if (node === undefined) return DEFAULT_PATHS.map((p) => ({ ...p }));
  const hint = 'Write relative weights by path, e.g. paths: { "/": 7, "/api": 3 }.';
  if (!isMap(node) || node.items.length === 0) {
    reader.problem(node, "'load.paths' must map paths to weights", hint);
    return [];
  }
  const paths: ScenarioPath[] = [];
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? pair.key.value : undefined;
    const value = isScalar(pair.value) ? pair.value.value : undefined;
    if (typeof key !== "string" || !key.startsWith("/")) {
      reader.problem((pair.key as Node | null) ?? node, `'load.paths': '${String(key)}' is not a path`, hint);
    } else if (typeof value !== "number" || !(value > 0)) {
      reader.problem(
        (pair.value as Node | null) ?? node,
        `'load.paths': the weight of '${key}' must be a positive number`,
        hint,
      );
    } else paths.push({ path: key, weight: value });
  }
  return paths;
}

function unreadable(path: string, problems: Problem[]): LbguardError {
  const sorted = [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
  const reason = sorted.map((p) => `\n  ${path}:${p.line}:${p.column}: ${p.message}. ${p.hint}`).join("");
  return new LbguardError("LBG_UNREADABLE_INPUT", {
    path,
    reason: `not a valid drill scenario:${reason || " (no details)"}`,
  });
}

/** YAML access that records a positioned problem for every field it cannot accept. */
class YamlReader {
  readonly problems: Problem[] = [];
  private readonly lineCounter = new LineCounter();
  private readonly doc;

  constructor(text: string) {
    this.doc = parseDocument(text, { lineCounter: this.lineCounter, prettyErrors: false });
    for (const error of this.doc.errors) {
      const at = this.lineCounter.linePos(error.pos[0]);
      this.problems.push({
        line: at.line,
        column: at.col,
        message: `not valid YAML: ${error.message.split("\n")[0]}`,
        hint: "Fix the YAML syntax at this position.",
      });
    }
  }

  /** The top-level mapping, or undefined (with a problem) when the text is not one. */
  root(): YAMLMap | undefined {
    if (this.problems.length > 0) return undefined;
    if (isMap(this.doc.contents)) return this.doc.contents;
    this.problem(
      this.doc.contents,
      "the file is not a YAML mapping",
      "Start from the example in the scenarios README: name, servers, load, before, after.",
    );
    return undefined;
  }

  position(node: Node | null | undefined): { line: number; column: number } {
    const at = this.lineCounter.linePos(node?.range?.[0] ?? 0);
    return { line: at.line, column: at.col };
  }

  problem(node: Node | null | undefined, message: string, hint: string): void {
    this.problems.push({ ...this.position(node), message, hint });
  }

  unknownKeys(map: YAMLMap, known: readonly string[], what: string): void {
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      if (typeof key === "string" && known.includes(key)) continue;
      this.problem(
        (pair.key as Node | null) ?? map,
        `${what} has an unknown field '${String(key)}'`,
        `Use only ${known.join(", ")} (a misspelt field would be silently ignored).`,
      );
    }
  }

  map(parent: YAMLMap, key: string, what: string, required: boolean): YAMLMap | undefined {
    const node = parent.get(key, true) as Node | undefined;
    if (isMap(node)) return node;
    if (node !== undefined || required)
      this.problem(
        node ?? parent,
        node === undefined ? `${what} needs '${key}:'` : `'${key}' must be a mapping`,
        `See the scenarios README for the fields of '${key}'.`,
      );
    return undefined;
  }

  string(parent: YAMLMap, key: string, what: string, required: boolean): string | undefined {
    const node = parent.get(key, true) as Node | undefined;
    const value = parent.get(key);
    if (typeof value === "string" && value.trim() !== "") return value;
    if (node !== undefined || required)
      this.problem(
        node ?? parent,
        node === undefined ? `${what} needs '${key}:'` : `'${key}' must be non-empty text`,
        key === "before" || key === "after"
          ? `Write the haproxy.cfg as a block: '${key}: |' followed by indented lines.`
          : `Give '${key}' a text value.`,
      );
    return undefined;
  }

  number(
    parent: YAMLMap,
    key: string,
    what: string,
    rule: { required?: boolean; positive?: boolean },
  ): number | undefined {
    const node = parent.get(key, true) as Node | undefined;
    const value = parent.get(key);
    const ok =
      typeof value === "number" && Number.isFinite(value) && (rule.positive ? value > 0 : value >= 0);
    if (ok) return value;
    if (node !== undefined || rule.required)
      this.problem(
        node ?? parent,
        node === undefined
          ? `${what} needs '${key}:'`
          : `${what}: '${key}' must be a ${rule.positive ? "positive" : "non-negative"} number`,
        `Write a number, e.g. '${key}: ${rule.positive ? 20 : 0}'.`,
      );
    return undefined;
  }
}
