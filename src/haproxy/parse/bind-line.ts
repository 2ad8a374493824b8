import type { Directive, Word } from "../../model/directive.js";
import type { Bind } from "../../model/proxy.js";
import { readAddress } from "./address.js";
import type { Diagnostics } from "./diagnostics.js";
import { BIND_OPTIONS, closestKeyword } from "./keywords.js";

/** Reads a `bind ADDRESS[,ADDRESS...] [options]` line. */
export function readBind(directive: Directive, diagnostics: Diagnostics): Bind | undefined {
  const [addressWord, ...rest] = directive.args;
  if (!addressWord) {
    diagnostics.error(
      "missing-argument",
      directive.span,
      "'bind' expects an address",
      "Write 'bind ADDRESS:PORT [options]', e.g. 'bind :80'.",
    );
    return undefined;
  }
  const bind: Bind = {
    addresses: [],
    ssl: false,
    certificates: [],
    options: {},
    directive,
    span: directive.span,
  };
  for (const part of addressWord.text.split(",")) {
    if (part === "") continue;
    const read = readAddress(part, addressWord.span);
    if (!read.ok) {
      diagnostics.error(
        "bad-address",
        addressWord.span,
        `'bind ${addressWord.text}': ${read.reason}`,
        "Write the listening address as IP:PORT, :PORT or /path/to/socket.",
      );
      continue;
    }
    if (
      read.address.port === undefined &&
      read.address.kind !== "unix" &&
      read.address.kind !== "abstract" &&
      read.address.kind !== "other"
    ) {
      diagnostics.error(
        "bind-without-port",
        addressWord.span,
        `'bind ${addressWord.text}' has no port`,
        "Add the port to listen on, e.g. ':80' or '0.0.0.0:443'.",
      );
    }
    bind.addresses.push(read.address);
  }
  let i = 0;
  while (i < rest.length) {
    const word = rest[i] as Word;
    const arity = BIND_OPTIONS.get(word.text);
    if (arity === undefined) {
      const suggestion = closestKeyword(word.text, BIND_OPTIONS.keys());
      diagnostics.add(
        "error",
        "unknown-bind-option",
        word.span,
        `'bind ${addressWord.text}': unknown keyword '${word.text}'${suggestion ? `; did you mean '${suggestion}'?` : ""}`,
        suggestion
          ? `Replace '${word.text}' with '${suggestion}'.`
          : "HAProxy 2.6 refuses bind options it does not know: correct or remove it.",
      );
      bind.options[word.text] = [];
      i++;
      continue;
    }
    const values = rest.slice(i + 1, i + 1 + arity);
    if (values.length < arity) {
      diagnostics.error(
        "missing-argument",
        word.span,
        `'bind ${addressWord.text}': '${word.text}' expects a value`,
        `Write '${word.text} VALUE'.`,
      );
    }
    bind.options[word.text] = values;
    if (word.text === "ssl") bind.ssl = true;
    if (word.text === "crt" && values[0]) bind.certificates.push(values[0]);
    i += 1 + arity;
  }
  return bind;
}
