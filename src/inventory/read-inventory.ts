import { isMap, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { readAddress } from "../haproxy/parse/address.js";
import type { Diagnostic } from "../model/diagnostic.js";
import type { SourceSpan } from "../model/span.js";
import type { Inventory, InventoryRole, InventoryServer } from "./inventory.js";

const ROLES = new Set<InventoryRole>(["web", "db", "other"]);

/**
 * Reads an inventory: YAML with a `servers:` list of { name, role, address, capacity_rps?,
 * health? }. A drill scenario file qualifies as it is. Never throws: problems come back as
 * diagnostics with file, line and column.
 */
export function readInventory(
  file: string,
  text: string,
): { inventory: Inventory; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const diagnostics: Diagnostic[] = [];
  const spanOf = (node: Node | null | undefined): SourceSpan => {
    const [start, , end] = node?.range ?? [0, 0, 0];
    const a = lineCounter.linePos(start);
    const b = lineCounter.linePos(end);
    return { file, line: a.line, column: a.col, endLine: b.line, endColumn: b.col };
  };
  const problem = (node: Node | null | undefined, message: string, hint: string) =>
    diagnostics.push({ code: "bad-inventory", severity: "error", message, hint, span: spanOf(node) });

  for (const error of doc.errors) {
    const pos = lineCounter.linePos(error.pos[0]);
    diagnostics.push({
      code: "bad-inventory",
      severity: "error",
      message: `the inventory is not valid YAML: ${error.message.split("\n")[0]}`,
      hint: "Fix the YAML syntax at this position.",
      span: { file, line: pos.line, column: pos.col, endLine: pos.line, endColumn: pos.col + 1 },
    });
  }
  const inventory: Inventory = { file, servers: [] };
  if (diagnostics.length > 0) return { inventory, diagnostics };

  const servers = isMap(doc.contents) ? doc.contents.get("servers", true) : undefined;
  if (!isSeq(servers)) {
    problem(
      doc.contents as Node,
      "the inventory has no 'servers:' list",
      "Add 'servers:' with one entry per machine: { name, role, address }.",
    );
    return { inventory, diagnostics };
  }
  for (const item of servers.items) {
    if (!isMap(item)) {
      problem(
        item as Node,
        "each entry of 'servers' must be a mapping",
        "Write entries as { name: web-01, role: web, address: 10.0.0.1:80 }.",
      );
      continue;
    }
    const name = item.get("name");
    const role = item.get("role");
    const address = item.get("address");
    if (typeof name !== "string" || typeof address !== "string") {
      problem(
        item,
        "a server entry needs a 'name' and an 'address'",
        "Write entries as { name: web-01, role: web, address: 10.0.0.1:80 }.",
      );
      continue;
    }
    if (typeof role !== "string" || !ROLES.has(role as InventoryRole)) {
      problem(
        (item.get("role", true) as Node | undefined) ?? item,
        `server '${name}': role must be web, db or other`,
        "Set 'role: web' for HTTP servers, 'db' for databases, 'other' for the rest.",
      );
      continue;
    }
    const addressNode = item.get("address", true) as Node;
    const read = readAddress(address, spanOf(addressNode));
    if (!read.ok) {
      problem(addressNode, `server '${name}': ${read.reason}`, "Write the address as HOST:PORT.");
      continue;
    }
    const entry: InventoryServer = {
      name,
      role: role as InventoryRole,
      address,
      host: read.address.host,
      span: spanOf(item),
    };
    if (read.address.port !== undefined) entry.port = read.address.port;
    const capacity = item.get("capacity_rps");
    if (capacity !== undefined) {
      if (typeof capacity !== "number" || capacity <= 0) {
        problem(
          item.get("capacity_rps", true) as Node,
          `server '${name}': capacity_rps must be a positive number`,
          "Give the request rate the server can sustain, e.g. 200.",
        );
      } else entry.capacityRps = capacity;
    }
    const health = item.get("health");
    if (typeof health === "string") entry.health = health;
    inventory.servers.push(entry);
  }
  return { inventory, diagnostics };
}
