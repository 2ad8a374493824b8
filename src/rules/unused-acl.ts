import type { Proxy } from "../model/proxy.js";
import { defineRule } from "./rule.js";
import { aclReferences } from "./semantics/acl-references.js";

/**
 * An ACL no condition of its section uses: a leftover of a deleted rule, or the other half of a
 * typo, where the rule meant to use it names something else.
 */
export default defineRule({
  meta: {
    id: "unused-acl",
    severity: "warning",
    description: "An ACL is defined but no condition in its section uses it.",
    messages: {
      unusedAcl: "ACL '{acl}' in {kind} '{proxy}' is defined but no condition uses it",
    },
    hints: {
      unusedAcl:
        "Use it in the rule it was written for (e.g. 'use_backend NAME if {acl}'), or delete its 'acl {acl}' lines; ACLs are not shared between sections.",
    },
  },
  create(context) {
    const done = new Set<Proxy>();
    const check = (proxy: Proxy) => {
      if (done.has(proxy) || proxy.acls.length === 0) return;
      done.add(proxy);
      const used = new Set(aclReferences(proxy, "all").map((r) => r.name));
      const reported = new Set<string>();
      for (const acl of proxy.acls) {
        if (used.has(acl.name) || reported.has(acl.name)) continue;
        reported.add(acl.name);
        context.report({
          messageId: "unusedAcl",
          data: { acl: acl.name, kind: proxy.kind, proxy: proxy.name || "(anonymous)" },
          span: acl.nameSpan,
        });
      }
    };
    return { frontend: check, backend: check, defaults: check };
  },
});
