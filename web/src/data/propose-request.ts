// The propose form's fields turned into the API's ProposeRequest, or the sentence that says what
// is missing; and the servers of a configuration, offered as suggestions for a runtime
// operation. Pure.
import type { ProposeRequest, RuntimeOperationSpec } from "../../../src/control/api-types.js";

export type OperationKind = RuntimeOperationSpec["action"]["kind"];

export interface ProposeForm {
  kind: "config" | "runtime";
  /** The version the form started from, and its text. */
  base: { version: number; text: string };
  message: string;
  config: string;
  backend: string;
  server: string;
  action: OperationKind;
  /** The weight field as typed, for `weight`. */
  weight: string;
  draft: boolean;
}

/** The request to send, or what to fix first. */
export function proposeRequest(form: ProposeForm): { request: ProposeRequest } | { problem: string } {
  const message = form.message.trim();
  if (message === "") return { problem: "say why in the message: reviewers and the audit log read it" };
  const common = { parent: form.base.version, message, ...(form.draft ? { draft: true } : {}) };
  if (form.kind === "config") {
    if (form.config === form.base.text) {
      return {
        problem: `the configuration is still version ${form.base.version}'s: edit it or load a file first`,
      };
    }
    if (form.config.trim() === "") return { problem: "the configuration is empty" };
    return { request: { ...common, config: form.config } };
  }
  const backend = form.backend.trim();
  const server = form.server.trim();
  if (backend === "" || server === "") return { problem: "name the backend and the server to act on" };
  let action: RuntimeOperationSpec["action"];
  if (form.action === "weight") {
    const weight = Number(form.weight);
    if (form.weight.trim() === "" || !Number.isInteger(weight) || weight < 0 || weight > 256) {
      return { problem: "a weight is a whole number from 0 to 256" };
    }
    action = { kind: "weight", weight };
  } else {
    action = { kind: form.action };
  }
  return { request: { ...common, operation: { backend, server, action } } };
}

/** Section keywords that end a backend; `peers` has `server` lines of its own. */
const OTHER_SECTIONS = new Set([
  "global",
  "defaults",
  "frontend",
  "userlist",
  "peers",
  "resolvers",
  "mailers",
  "program",
  "http-errors",
  "cache",
  "ring",
]);

/**
 * The `server` lines of each backend and listen section of a configuration, in order, for the
 * form's suggestions. A plain line scan: the server checks the operation against the real parse.
 */
export function configServers(text: string): { backend: string; servers: string[] }[] {
  const out: { backend: string; servers: string[] }[] = [];
  let current: { backend: string; servers: string[] } | undefined;
  for (const raw of text.split("\n")) {
    const words = raw.replace(/#.*/, "").trim().split(/\s+/);
    const [keyword, name] = words;
    if (keyword === "backend" || keyword === "listen") {
      current = name ? { backend: name, servers: [] } : undefined;
      if (current) out.push(current);
    } else if (keyword !== undefined && OTHER_SECTIONS.has(keyword)) {
      current = undefined;
    } else if (keyword === "server" && name && current) {
      current.servers.push(name);
    }
  }
  return out;
}
