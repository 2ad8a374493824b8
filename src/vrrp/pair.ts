import { isMap, isSeq, type Node, type YAMLMap } from "yaml";
import type { SourceSpan } from "../model/span.js";
import { readText } from "../read-text.js";
import { YamlReader } from "../yaml-reader.js";
import { ipv4ToNumber, isLoopbackIpv4, parseIpv4Prefix, unusableVipReason } from "./ipv4.js";

/** What the health script asks HAProxy, through the node's own loopback. */
export interface VrrpCheck {
  url: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  /** Consecutive failures that put the instance in FAULT. */
  fall: number;
  /** Consecutive successes that bring it out of FAULT. */
  rise: number;
}

/** One load-balancer node of the pair; the name is the control plane's node name. */
export interface VrrpNode {
  name: string;
  priority: number;
}

/**
 * A redundant pair (or group) of load-balancer nodes sharing one virtual IP through
 * keepalived. Paths on the nodes are the agent's business, not the pair's.
 */
export interface VrrpPair {
  /** IPv4 address with its prefix length, e.g. `198.51.100.100/24`. */
  vip: string;
  interface: string;
  virtualRouterId: number;
  /** Seconds between adverts; whole seconds with VRRPv2, hundredths allowed with VRRPv3. */
  advertInterval: number;
  vrrpVersion: 2 | 3;
  /** VRRPv2 PASS authentication, 1 to 8 characters. */
  authPass?: string;
  check: VrrpCheck;
  nodes: VrrpNode[];
}

/** Where the parts of a pair were written, for findings that point into the pair file. */
export interface VrrpPairSource {
  file: string;
  /** The whole document. */
  document: SourceSpan;
  vip: SourceSpan;
  checkUrl: SourceSpan;
  /** The `name` of each node, in the order of `pair.nodes`. */
  nodeNames: SourceSpan[];
  /** The `priority` of each node, in the order of `pair.nodes`. */
  nodePriorities: SourceSpan[];
}

/** Values taken when the pair file leaves a field out. */
export const VRRP_DEFAULTS = {
  advertInterval: 1,
  vrrpVersion: 2,
  check: { intervalSeconds: 1, timeoutSeconds: 1, fall: 1, rise: 2 },
} as const;

/** Node names as the control plane accepts them; they also become keepalived's router_id. */
export const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

const TOP_KEYS = [
  "vip",
  "interface",
  "virtual_router_id",
  "advert_interval",
  "vrrp_version",
  "auth_pass",
  "check",
  "nodes",
];
const CHECK_KEYS = ["url", "interval", "timeout", "fall", "rise"];
const NODE_KEYS = ["name", "priority"];
/** Linux interface names as `ip link` shows them: 1 to 15 letters, digits, '.', '_' or '-'. */
const INTERFACE = /^[A-Za-z0-9_.-]{1,15}$/;
/** Characters an auth_pass may hold: nothing keepalived's parser would read as a quote or comment. */
const AUTH_PASS = /^[A-Za-z0-9_.@%+=:,/~^*-]{1,8}$/;
/** The URL forms the health script can ask: plain HTTP on a loopback address, a simple path. */
const CHECK_URL = /^http:\/\/([0-9.]+)(?::(\d{1,5}))?(\/[A-Za-z0-9\-._~%!$&()*+,;=:@/?]*)?$/;
/** keepalived's VRRPv3 advert field counts centiseconds in 12 bits. */
const V3_MAX_ADVERT = 40.95;
/** keepalived's VRRPv2 advert field counts seconds in 8 bits. */
const V2_MAX_ADVERT = 255;

/** Reads the pair file's YAML; adds the checks of required and whole-number fields. */
class PairReader extends YamlReader {
  span(node: Node | null | undefined): SourceSpan {
    const [start, end] = node?.range ?? [0, 0];
    const a = this.lines.linePos(start);
    const b = this.lines.linePos(end);
    return { file: this.file, line: a.line, column: a.col, endLine: b.line, endColumn: b.col };
  }

  /** A required field's node; a problem on the map naming the field when it is absent. */
  required(
    map: YAMLMap,
    key: string,
    what: string,
    example: string,
  ): { node: Node; value: unknown } | undefined {
    const field = this.field(map, key);
    if (field.node === undefined || field.value === null) {
      this.problem(map, `${what} needs '${key}:' (for example '${key}: ${example}')`);
      return undefined;
    }
    return { node: field.node, value: field.value };
  }

  /** An integer field within [min, max], or `fallback` when absent; undefined after a problem. */
  integer(map: YAMLMap, key: string, min: number, max: number, fallback?: number): number | undefined {
    const { node, value } = this.field(map, key);
    if (node === undefined || value === null) {
      if (fallback === undefined)
        this.problem(map, `'${key}:' is missing; give a whole number from ${min} to ${max}`);
      return fallback;
    }
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      this.problem(node, `'${key}' must be a whole number from ${min} to ${max}, not '${String(value)}'`);
      return undefined;
    }
    return value;
  }
}

/**
 * Reads a pair file: the VRRP settings shared by the nodes and each node's priority. Defaults
 * fill what is left out (see VRRP_DEFAULTS). Throws LBG_BAD_VRRP naming the file, line and column
 * of every problem, each with what to write instead.
 */
export function readVrrpPair(text: string, file: string): { pair: VrrpPair; source: VrrpPairSource } {
  const reader = new PairReader(text, file);
  const root = reader.root;
  let result: { pair: VrrpPair; source: VrrpPairSource } | undefined;
  if (reader.problems.length === 0) {
    if (!isMap(root))
      reader.problem(
        root,
        "a pair file is a mapping with vip, interface, virtual_router_id, check and nodes (see docs/vrrp.md)",
      );
    else result = readPair(reader, root);
  }
  if (reader.problems.length > 0 || result === undefined) throw reader.failure("LBG_BAD_VRRP");
  return result;
}

/** The pair a pair file's text defines; LBG_BAD_VRRP naming file:line for each problem. */
export function parseVrrpPair(text: string, file: string): VrrpPair {
  return readVrrpPair(text, file).pair;
}

/** Reads and parses a pair file; LBG_UNREADABLE_INPUT when it cannot be read. */
export async function loadVrrpPair(
  path: string,
): Promise<{ pair: VrrpPair; source: VrrpPairSource; text: string }> {
  const text = await readText(path);
  return { ...readVrrpPair(text, path), text };
}

function readPair(reader: PairReader, root: YAMLMap): { pair: VrrpPair; source: VrrpPairSource } | undefined {
  reader.unknownKeys(root, TOP_KEYS, "the pair file");
  const vip = readVip(reader, root);
  const iface = readInterface(reader, root);
  const virtualRouterId = reader.integer(root, "virtual_router_id", 1, 255);
  const vrrpVersion = readVersion(reader, root);
  const advertInterval = vrrpVersion === undefined ? undefined : readAdvert(reader, root, vrrpVersion);
  const authPass = vrrpVersion === undefined ? undefined : readAuthPass(reader, root, vrrpVersion);
  const check = readCheck(reader, root);
  const nodes = readNodes(reader, root);
  if (
    reader.problems.length > 0 ||
    vip === undefined ||
    iface === undefined ||
    virtualRouterId === undefined ||
    vrrpVersion === undefined ||
    advertInterval === undefined ||
    check === undefined ||
    nodes === undefined
  )
    return undefined;
  const pair: VrrpPair = {
    vip: vip.value,
    interface: iface,
    virtualRouterId,
    advertInterval,
    vrrpVersion,
    ...(authPass !== undefined ? { authPass } : {}),
    check: check.value,
    nodes: nodes.map((n) => n.value),
  };
  const source: VrrpPairSource = {
    file: reader.file,
    document: reader.span(root),
    vip: vip.span,
    checkUrl: check.urlSpan,
    nodeNames: nodes.map((n) => n.nameSpan),
    nodePriorities: nodes.map((n) => n.prioritySpan),
  };
  return { pair, source };
}

function readVip(reader: PairReader, root: YAMLMap): { value: string; span: SourceSpan } | undefined {
  const field = reader.required(root, "vip", "the pair file", "198.51.100.100/24");
  if (!field) return undefined;
  const text = typeof field.value === "string" ? field.value : String(field.value);
  const parsed = parseIpv4Prefix(text);
  if (!parsed || parsed.prefix < 1) {
    reader.problem(
      field.node,
      `vip '${text}' is not an IPv4 address with its prefix length; write it as keepalived adds it, e.g. 'vip: 198.51.100.100/24' (the prefix of the interface's subnet)`,
    );
    return undefined;
  }
  const unusable = unusableVipReason(parsed.value, parsed.prefix);
  if (unusable) {
    reader.problem(
      field.node,
      `vip '${text}' cannot be a virtual IP: ${unusable}; choose a free host address of the subnet`,
    );
    return undefined;
  }
  return { value: text, span: reader.span(field.node) };
}

function readInterface(reader: PairReader, root: YAMLMap): string | undefined {
  const field = reader.required(root, "interface", "the pair file", "eth0");
  if (!field) return undefined;
  const name = String(field.value);
  if (typeof field.value !== "string" || !INTERFACE.test(name) || name === "." || name === "..") {
    reader.problem(
      field.node,
      `interface '${name}' is not a Linux interface name (1 to 15 letters, digits, '.', '_' or '-'); give the name 'ip link' shows on the nodes`,
    );
    return undefined;
  }
  if (name === "lo") {
    reader.problem(
      field.node,
      "keepalived cannot run VRRP on the loopback interface 'lo'; give the interface facing the clients",
    );
    return undefined;
  }
  return name;
}

function readVersion(reader: PairReader, root: YAMLMap): 2 | 3 | undefined {
  const { node, value } = reader.field(root, "vrrp_version");
  if (node === undefined || value === null) return VRRP_DEFAULTS.vrrpVersion;
  if (value !== 2 && value !== 3) {
    reader.problem(node, `vrrp_version must be 2 or 3, not '${String(value)}'`);
    return undefined;
  }
  return value;
}

function readAdvert(reader: PairReader, root: YAMLMap, version: 2 | 3): number | undefined {
  const { node, value } = reader.field(root, "advert_interval");
  if (node === undefined || value === null) return VRRP_DEFAULTS.advertInterval;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    reader.problem(node, `advert_interval must be a number of seconds above 0, not '${String(value)}'`);
    return undefined;
  }
  if (version === 2 && (!Number.isInteger(value) || value > V2_MAX_ADVERT)) {
    reader.problem(
      node,
      `with vrrp_version 2, advert_interval is whole seconds from 1 to ${V2_MAX_ADVERT} (VRRPv2 adverts carry seconds); write a whole number, or use 'vrrp_version: 3' for fractions such as 0.5`,
    );
    return undefined;
  }
  // VRRPv3 counts hundredths of a second; keepalived would round anything finer.
  const hundredths = Math.round(value * 100);
  if (
    version === 3 &&
    (Math.abs(hundredths - value * 100) > 1e-6 || value > V3_MAX_ADVERT || hundredths < 1)
  ) {
    reader.problem(
      node,
      `with vrrp_version 3, advert_interval is from 0.01 to ${V3_MAX_ADVERT} seconds in steps of 0.01 (VRRPv3 adverts carry hundredths of a second), not '${value}'`,
    );
    return undefined;
  }
  return value;
}

function readAuthPass(reader: PairReader, root: YAMLMap, version: 2 | 3): string | undefined {
  const { node, value } = reader.field(root, "auth_pass");
  if (node === undefined || value === null) return undefined;
  if (version === 3) {
    reader.problem(
      node,
      "VRRPv3 has no authentication (RFC 5798 removed it) and keepalived ignores auth_pass with version 3; remove auth_pass or use 'vrrp_version: 2'",
    );
    return undefined;
  }
  if (typeof value !== "string") {
    reader.problem(node, `auth_pass must be text; quote it: auth_pass: "${String(value)}"`);
    return undefined;
  }
  if (!AUTH_PASS.test(value)) {
    reader.problem(
      node,
      "auth_pass must be 1 to 8 characters (VRRPv2 carries 8 bytes and keepalived cuts the rest), letters, digits or - _ . @ % + = : , / ~ ^ *",
    );
    return undefined;
  }
  return value;
}

function readCheck(reader: PairReader, root: YAMLMap): { value: VrrpCheck; urlSpan: SourceSpan } | undefined {
  const field = reader.required(root, "check", "the pair file", "{ url: http://127.0.0.1:8404/healthz }");
  if (!field) return undefined;
  if (!isMap(field.node)) {
    reader.problem(
      field.node,
      "'check' must be a mapping with url (and optionally interval, timeout, fall, rise)",
    );
    return undefined;
  }
  const map = field.node;
  reader.unknownKeys(map, CHECK_KEYS, "check");
  const url = readCheckUrl(reader, map);
  const defaults = VRRP_DEFAULTS.check;
  // keepalived's vrrp_script counts interval in whole seconds.
  const intervalSeconds = reader.integer(map, "interval", 1, 3600, defaults.intervalSeconds);
  const timeoutSeconds = readTimeout(reader, map);
  const fall = reader.integer(map, "fall", 1, 100, defaults.fall);
  const rise = reader.integer(map, "rise", 1, 100, defaults.rise);
  if (
    url === undefined ||
    intervalSeconds === undefined ||
    timeoutSeconds === undefined ||
    fall === undefined ||
    rise === undefined
  )
    return undefined;
  return { value: { url: url.value, intervalSeconds, timeoutSeconds, fall, rise }, urlSpan: url.span };
}

function readCheckUrl(reader: PairReader, map: YAMLMap): { value: string; span: SourceSpan } | undefined {
  const field = reader.required(map, "url", "check", "http://127.0.0.1:8404/healthz");
  if (!field) return undefined;
  const text = String(field.value);
  const parsed = typeof field.value === "string" ? parseCheckUrl(text) : undefined;
  if (!parsed) {
    reader.problem(
      field.node,
      `check url '${text}' is not one the health script can ask: it speaks plain HTTP to a loopback address, e.g. 'http://127.0.0.1:8404/healthz' (no https, no host name, a path of URL characters)`,
    );
    return undefined;
  }
  if (!isLoopbackIpv4(ipv4ToNumber(parsed.host) ?? 0)) {
    reader.problem(
      field.node,
      `check url '${text}' is not on a loopback address; the check must ask this node's own HAProxy, so bind a frontend on 127.0.0.1 (or another 127.x address) and name it here`,
    );
    return undefined;
  }
  return { value: text, span: reader.span(field.node) };
}

function readTimeout(reader: PairReader, map: YAMLMap): number | undefined {
  const { node, value } = reader.field(map, "timeout");
  if (node === undefined || value === null) return VRRP_DEFAULTS.check.timeoutSeconds;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > 60) {
    reader.problem(
      node,
      `check timeout must be seconds above 0 and at most 60 (fractions such as 0.5 are fine), not '${String(value)}'`,
    );
    return undefined;
  }
  return value;
}

interface ReadNode {
  value: VrrpNode;
  nameSpan: SourceSpan;
  prioritySpan: SourceSpan;
}

function readNodes(reader: PairReader, root: YAMLMap): ReadNode[] | undefined {
  const field = reader.required(
    root,
    "nodes",
    "the pair file",
    "[{ name: lb-1, priority: 150 }, { name: lb-2, priority: 100 }]",
  );
  if (!field) return undefined;
  if (!isSeq(field.node) || field.node.items.length === 0) {
    reader.problem(
      field.node,
      "'nodes' must be a list of { name, priority }, one entry per load-balancer node",
    );
    return undefined;
  }
  const nodes: ReadNode[] = [];
  const byName = new Map<string, ReadNode>();
  const byPriority = new Map<number, ReadNode>();
  for (const item of field.node.items) {
    if (!isMap(item)) {
      reader.problem(item as Node, "each node is a mapping such as '{ name: lb-1, priority: 150 }'");
      continue;
    }
    reader.unknownKeys(item, NODE_KEYS, "a node");
    const name = reader.required(item, "name", "a node", "lb-1");
    const priority = reader.integer(item, "priority", 1, 254);
    if (!name || priority === undefined) continue;
    const text = String(name.value);
    if (typeof name.value !== "string" || !NODE_NAME.test(text)) {
      reader.problem(
        name.node,
        `node name '${text}' is not a node name: letters, digits, '.', '_' and '-', starting with a letter or digit (the name the control plane gives the node)`,
      );
      continue;
    }
    const read: ReadNode = {
      value: { name: text, priority },
      nameSpan: reader.span(name.node),
      prioritySpan: reader.span(item.get("priority", true) as Node),
    };
    const sameName = byName.get(text);
    if (sameName) {
      reader.problem(
        name.node,
        `node '${text}' is also listed at line ${sameName.nameSpan.line}; list each node once`,
      );
      continue;
    }
    // Equal priorities leave the election to the nodes' IP addresses: keep it deliberate.
    const samePriority = byPriority.get(priority);
    if (samePriority) {
      reader.problem(
        item.get("priority", true) as Node,
        `node '${text}' has priority ${priority} like '${samePriority.value.name}' (line ${samePriority.prioritySpan.line}); give every node its own priority, the highest for the node that should hold the VIP first`,
      );
      continue;
    }
    byName.set(text, read);
    byPriority.set(priority, read);
    nodes.push(read);
  }
  return nodes;
}

/** The parts of a check URL the health script needs, or undefined when it cannot ask it. */
export function parseCheckUrl(url: string): { host: string; port: number; path: string } | undefined {
  const match = CHECK_URL.exec(url);
  if (!match) return undefined;
  const port = match[2] === undefined ? 80 : Number(match[2]);
  if (ipv4ToNumber(match[1]!) === undefined || port < 1 || port > 65535) return undefined;
  return { host: match[1]!, port, path: match[3] ?? "/" };
}

/** The VIP's address without its prefix length. */
export function vipAddress(pair: VrrpPair): string {
  return pair.vip.split("/")[0]!;
}
