import type { Word } from "../model/directive.js";
import type { Bind } from "../model/proxy.js";
import { defineRule } from "./rule.js";

/** Certificate options that only take effect with `ssl` on the same line. */
const CERTIFICATE_OPTIONS = new Set(["crt", "crt-list"]);

/** QUIC listeners switch TLS on by themselves (HAProxy warns and enables `ssl`). */
function isQuic(bind: Bind): boolean {
  return bind.addresses.length > 0 && bind.addresses.every((a) => /^quic[46]@/.test(a.text));
}

/**
 * The first certificate option of the line with its value. Values are matched by identity with
 * what the parser read as option values, so a file named `crt` cannot be taken for the option.
 */
function firstCertificateOption(bind: Bind): { option: Word; value: Word } | undefined {
  const values = new Set<Word>([...bind.certificates, ...(bind.options["crt-list"] ?? [])]);
  const args = bind.directive.args;
  for (let i = 1; i + 1 < args.length; i++) {
    const option = args[i] as Word;
    const value = args[i + 1] as Word;
    if (CERTIFICATE_OPTIONS.has(option.text) && values.has(value)) return { option, value };
  }
  return undefined;
}

/**
 * A `bind` that names a certificate but lacks `ssl`. HAProxy 2.6 loads the certificate, says
 * nothing, and listens in plain TCP: every browser that connects to it fails its TLS handshake.
 */
export default defineRule({
  meta: {
    id: "crt-without-ssl",
    severity: "error",
    description:
      "A bind line names a certificate (crt or crt-list) without 'ssl', so it listens in plain text and every TLS handshake fails.",
    messages: {
      crtWithoutSsl:
        "bind {address} in '{proxy}' loads '{certificate}' with '{option}' but has no 'ssl': it accepts plain text only, so every TLS client fails its handshake",
    },
    hints: {
      crtWithoutSsl: "Add 'ssl' to the line: 'bind {address} ssl {option} {certificate}'.",
    },
  },
  create(context) {
    return {
      bind(bind, frontend) {
        if (bind.ssl || isQuic(bind)) return;
        const found = firstCertificateOption(bind);
        if (!found) return;
        context.report({
          messageId: "crtWithoutSsl",
          data: {
            address: bind.directive.args[0]?.text ?? "",
            proxy: frontend.name,
            option: found.option.text,
            certificate: found.value.text,
          },
          span: found.option.span,
        });
      },
    };
  },
});
