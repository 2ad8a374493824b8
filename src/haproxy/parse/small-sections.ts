import type { OtherSection, Resolvers, Userlist } from "../../model/config.js";
import type { Directive } from "../../model/directive.js";
import { joinSpans } from "../../model/span.js";
import { readAddress } from "./address.js";
import type { Diagnostics } from "./diagnostics.js";

/** Reads one line of a `userlist` section. */
export function readUserlistLine(list: Userlist, d: Directive): void {
  list.directives.push(d);
  list.span = joinSpans(list.span, d.span);
  const name = d.args[0];
  if (d.keyword === "group" && name) list.groups.push({ value: name.text, span: d.span });
  if (d.keyword === "user" && name) {
    const words = d.args.map((w) => w.text);
    const passwordKind = words.includes("insecure-password")
      ? "insecure"
      : words.includes("password")
        ? "secure"
        : "none";
    list.users.push({ name: name.text, passwordKind, span: d.span });
  }
}

/** Reads one line of a `resolvers` section. */
export function readResolversLine(resolvers: Resolvers, d: Directive, diagnostics: Diagnostics): void {
  resolvers.directives.push(d);
  resolvers.span = joinSpans(resolvers.span, d.span);
  const [name, addressWord] = d.args;
  if (d.keyword !== "nameserver" || !name || !addressWord) return;
  const read = readAddress(addressWord.text, addressWord.span);
  if (!read.ok) {
    diagnostics.error(
      "bad-address",
      addressWord.span,
      `nameserver '${name.text}': ${read.reason}`,
      "Write 'nameserver NAME IP:53'.",
    );
    return;
  }
  if (read.address.kind === "hostname") {
    diagnostics.error(
      "bad-address",
      addressWord.span,
      `nameserver '${name.text}': '${addressWord.text}' is a host name; HAProxy 2.6 needs an IP address here`,
      "Write the name server's IP address, e.g. 'nameserver dns1 10.0.0.2:53'.",
    );
    return;
  }
  resolvers.nameservers.push({ name: name.text, address: read.address, span: d.span });
}

/** Keeps the lines of a section lbguard does not interpret. */
export function readOtherLine(section: OtherSection, d: Directive): void {
  section.directives.push(d);
  section.span = joinSpans(section.span, d.span);
}
