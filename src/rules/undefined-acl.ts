import type { Acl } from "../model/condition.js";
import type { Proxy } from "../model/proxy.js";
import { defineRule } from "./rule.js";
import { aclReferences, PREDEFINED_ACLS } from "./semantics/acl-references.js";

/**
 * A condition names an ACL its section does not define, or defines only further down. HAProxy
 * resolves ACL names while it reads each line, within the section only, and refuses to start
 * ("no such ACL").
 */
export default defineRule({
  meta: {
    id: "undefined-acl",
    severity: "error",
    description: "A condition names an ACL that its section does not define (before that line).",
    messages: {
      undefinedAcl:
        "{keyword} condition in {kind} '{proxy}' names ACL '{acl}', which this section does not define",
      definedLater:
        "{keyword} condition in {kind} '{proxy}' uses ACL '{acl}' before its definition on line {defLine}",
    },
    hints: {
      undefinedAcl:
        "Add 'acl {acl} ...' to {kind} '{proxy}' above this line, or correct the name; ACLs are not shared between sections and HAProxy refuses to start ('no such ACL').",
      definedLater:
        "Move 'acl {acl} ...' above this line; HAProxy resolves ACL names as it reads each line and refuses to start ('no such ACL').",
    },
  },
  create(context) {
    const done = new Set<Proxy>();
    const check = (proxy: Proxy) => {
      if (done.has(proxy)) return;
      done.add(proxy);
      const first = new Map<string, Acl>();
      for (const acl of proxy.acls) if (!first.has(acl.name)) first.set(acl.name, acl);
      const data = { kind: proxy.kind, proxy: proxy.name || "(anonymous)" };
      for (const ref of aclReferences(proxy)) {
        const acl = first.get(ref.name);
        const later = acl !== undefined && acl.span.file === ref.span.file && acl.span.line > ref.span.line;
        // Until a section defines its own ACL of that name, HAProxy falls back to the predefined one.
        if ((!acl || later) && PREDEFINED_ACLS.has(ref.name)) continue;
        if (!acl) {
          context.report({
            messageId: "undefinedAcl",
            data: { ...data, keyword: ref.keyword, acl: ref.name },
            span: ref.span,
          });
        } else if (later) {
          context.report({
            messageId: "definedLater",
            data: { ...data, keyword: ref.keyword, acl: ref.name, defLine: acl.span.line },
            span: ref.span,
            related: [{ message: "defined here", span: acl.nameSpan }],
          });
        }
      }
    };
    return { frontend: check, backend: check, defaults: check };
  },
});
