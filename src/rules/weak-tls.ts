import type { Word } from "../model/directive.js";
import type { Severity } from "../model/severity.js";
import type { SourceSpan } from "../model/span.js";
import { defineRule } from "./rule.js";

/** A family of weak ciphers, as OpenSSL cipher strings name it. */
type Weakness = "rc4" | "3des" | "des" | "md5" | "export" | "enull" | "anull";

const MESSAGE_OF: Record<Weakness, string> = {
  rc4: "rc4Cipher",
  "3des": "desCipher",
  des: "desCipher",
  md5: "md5Cipher",
  export: "exportCipher",
  enull: "nullCipher",
  anull: "anonymousCipher",
};

/**
 * The weak families one OpenSSL cipher-string term selects: an alias (`RC4`, `3DES`, `aNULL`,
 * `EXPORT`) or a cipher name (`DES-CBC3-SHA`, `EXP-RC4-MD5`, `ADH-AES256-SHA`). Broad aliases
 * such as `HIGH` or `DEFAULT` select none here; `ALL` is judged apart.
 */
function weaknessesOf(term: string): Weakness[] {
  const out: Weakness[] = [];
  if (term === "RC4" || /(^|-)RC4(-|$)/.test(term)) out.push("rc4");
  if (term === "3DES" || /(^|-)DES-CBC3(-|$)/.test(term)) out.push("3des");
  if (term === "DES" || term === "LOW" || /(^|-)DES-CBC(-|$)/.test(term)) out.push("des");
  if (term === "MD5" || /-MD5$/.test(term)) out.push("md5");
  if (/^EXP(ORT(40|56)?)?$/.test(term) || /^EXP(1024)?-/.test(term)) out.push("export");
  if (term === "eNULL" || term === "NULL" || /(^|-)NULL(-|$)/.test(term)) out.push("enull");
  if (term === "aNULL" || term === "ADH" || term === "AECDH" || /^A(EC)?DH-/.test(term)) out.push("anull");
  return out;
}

interface CipherItem {
  /** `!` deletes for good, `-` deletes (a later item may add back), `+` only moves, "" adds. */
  op: "" | "!" | "-" | "+";
  /** The item without its operator; `+` inside joins terms that must all match. */
  body: string;
  /** Where the item (operator included) starts in the cipher string. */
  offset: number;
  length: number;
}

/** Splits an OpenSSL cipher string on `:`, `,` and spaces. */
function cipherItems(text: string): CipherItem[] {
  const items: CipherItem[] = [];
  for (const m of text.matchAll(/[^:, ]+/g)) {
    const raw = m[0];
    const first = raw[0];
    const op = first === "!" || first === "-" || first === "+" ? first : "";
    items.push({ op, body: raw.slice(op.length), offset: m.index, length: raw.length });
  }
  return items;
}

interface CipherProblem {
  weakness: Weakness;
  item: CipherItem;
}

/**
 * The weak families a cipher string really enables: added by an item and not deleted by a `!`
 * item anywhere or a `-` item after it. Items such as `ECDH+3DES` select the intersection, so
 * they enable the weak family of any of their terms.
 */
function weakCiphers(text: string): CipherProblem[] {
  const items = cipherItems(text);
  const deleted = (weakness: Weakness, after: number) =>
    items.some(
      (item, i) =>
        (item.op === "!" || (item.op === "-" && i > after)) && weaknessesOf(item.body).includes(weakness),
    );
  const problems: CipherProblem[] = [];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (item.op !== "") return;
    // `ALL` leaves out eNULL but takes the anonymous suites in, unless `!aNULL` removes them.
    const found = new Set<Weakness>(item.body === "ALL" ? ["anull"] : []);
    for (const weakness of item.body.split("+").flatMap(weaknessesOf)) found.add(weakness);
    for (const weakness of found) {
      const message = MESSAGE_OF[weakness];
      if (seen.has(message) || deleted(weakness, i)) continue;
      seen.add(message);
      problems.push({ weakness, item });
    }
  });
  return problems;
}

const OLD_VERSIONS = new Set(["SSLv3", "TLSv1.0", "TLSv1.1"]);
const FORCE_OLD = new Map([
  ["force-sslv3", "SSLv3"],
  ["force-tlsv10", "TLSv1.0"],
  ["force-tlsv11", "TLSv1.1"],
]);

/** The span of `item` inside `word`, when the word is written as HAProxy reads it. */
function itemSpan(word: Word, item: CipherItem): SourceSpan {
  const span = word.span;
  if (word.raw !== word.text || span.line !== span.endLine) return span;
  const column = span.column + item.offset;
  return { ...span, column, endColumn: column + item.length };
}

/**
 * Explicit TLS settings that let weak ciphers or old protocol versions in: RC4, DES and 3DES,
 * MD5, export-grade or unencrypted suites, anonymous suites, or SSLv3 to TLS 1.1. Only settings
 * that were written count: on bind lines HAProxy 2.6 refuses anything below TLS 1.2 by default,
 * and server lines follow the TLS library's defaults.
 */
export default defineRule({
  meta: {
    id: "weak-tls",
    severity: "warning",
    description:
      "TLS settings explicitly allow broken ciphers (RC4, DES/3DES, MD5, export, NULL, anonymous) or protocols older than TLS 1.2.",
    messages: {
      rc4Cipher: "{setting} enables RC4 ciphers ('{item}'); RC4 is broken and forbidden in TLS (RFC 7465)",
      desCipher:
        "{setting} enables DES or 3DES ciphers ('{item}'); their 64-bit blocks let long connections be decrypted (Sweet32)",
      md5Cipher: "{setting} enables ciphers that authenticate records with MD5 ('{item}')",
      exportCipher:
        "{setting} enables export-grade ciphers ('{item}'), which can be broken in hours (FREAK, Logjam)",
      nullCipher: "{setting} enables NULL ciphers ('{item}'), which send traffic unencrypted",
      anonymousCipher:
        "{setting} enables anonymous cipher suites ('{item}'), which authenticate no one: any man in the middle can read the traffic",
      oldMinVersion:
        "{setting} sets 'ssl-min-ver {version}': clients may negotiate {version}, which is deprecated and weak",
      oldMaxVersion:
        "{setting} sets 'ssl-max-ver {version}': TLS is capped at {version}, so every connection uses a deprecated protocol",
      forcedOldVersion:
        "{setting} uses '{option}': only {version} is accepted, a deprecated and weak protocol",
    },
    hints: {
      rc4Cipher:
        "Remove '{item}' from the cipher list, or start from a current list (Mozilla's intermediate profile).",
      desCipher: "Remove '{item}' from the cipher list, or add '!3DES:!DES'.",
      md5Cipher: "Remove '{item}' from the cipher list, or add '!MD5'.",
      exportCipher: "Remove '{item}' from the cipher list, or add '!EXPORT'.",
      nullCipher: "Remove '{item}' from the cipher list, or add '!eNULL'.",
      anonymousCipher: "Add '!aNULL' to the cipher list (after '{item}' if you keep it).",
      oldMinVersion:
        "Write 'ssl-min-ver TLSv1.2' instead (on bind lines, that is also HAProxy 2.6's default).",
      oldMaxVersion: "Remove 'ssl-max-ver {version}', or raise it to TLSv1.3.",
      forcedOldVersion: "Replace '{option}' with 'ssl-min-ver TLSv1.2'.",
    },
  },
  create(context) {
    let tlsBinds = true;
    let tlsServers = true;

    const checkCiphers = (word: Word | undefined, setting: string, severity?: Severity) => {
      if (!word) return;
      for (const problem of weakCiphers(word.text)) {
        context.report({
          messageId: MESSAGE_OF[problem.weakness],
          data: { setting, item: problem.item.body },
          span: itemSpan(word, problem.item),
          ...(severity ? { severity } : {}),
        });
      }
    };

    /** Reads protocol and cipher options in `words` from index `from` on. */
    const checkOptions = (words: Word[], from: number, setting: string, severity?: Severity) => {
      const extra = severity ? { severity } : {};
      for (let i = from; i < words.length; i++) {
        const word = words[i] as Word;
        const value = words[i + 1];
        const forced = FORCE_OLD.get(word.text);
        if (forced) {
          context.report({
            messageId: "forcedOldVersion",
            data: { setting, option: word.text, version: forced },
            span: word.span,
            ...extra,
          });
        } else if ((word.text === "ssl-min-ver" || word.text === "ssl-max-ver") && value) {
          i++;
          if (!OLD_VERSIONS.has(value.text)) continue;
          context.report({
            messageId: word.text === "ssl-min-ver" ? "oldMinVersion" : "oldMaxVersion",
            data: { setting, version: value.text },
            span: value.span,
            ...extra,
          });
        } else if (word.text === "ciphers" && value) {
          i++;
          checkCiphers(value, setting, severity);
        }
      }
    };

    const checkServerLines = (directives: { keyword: string; args: Word[] }[], proxyName: string) => {
      for (const d of directives) {
        if (d.keyword === "server") checkOptions(d.args, 2, `server ${proxyName}/${d.args[0]?.text ?? ""}`);
        else if (d.keyword === "server-template")
          checkOptions(d.args, 3, `server-template ${proxyName}/${d.args[0]?.text ?? ""}`);
        else if (d.keyword === "default-server")
          checkOptions(d.args, 0, `default-server in '${proxyName || "defaults"}'`);
      }
    };

    return {
      config(config) {
        tlsBinds = config.frontends.some((p) => p.binds.some((b) => b.ssl));
        tlsServers = config.backends.some((p) =>
          p.servers.some((s) => s.settings.ssl.value || s.settings.options["check-ssl"]),
        );
      },
      global(global) {
        // Global defaults that nothing uses yet are inert until someone adds 'ssl': say so quietly.
        const bindSeverity: Severity | undefined = tlsBinds ? undefined : "info";
        const serverSeverity: Severity | undefined = tlsServers ? undefined : "info";
        for (const d of global.directives) {
          switch (d.keyword) {
            case "ssl-default-bind-ciphers":
              checkCiphers(d.args[0], d.keyword, bindSeverity);
              break;
            case "ssl-default-server-ciphers":
              checkCiphers(d.args[0], d.keyword, serverSeverity);
              break;
            case "ssl-default-bind-options":
              checkOptions(d.args, 0, d.keyword, bindSeverity);
              break;
            case "ssl-default-server-options":
              checkOptions(d.args, 0, d.keyword, serverSeverity);
              break;
          }
        }
      },
      bind(bind, frontend) {
        checkOptions(
          bind.directive.args,
          1,
          `bind ${bind.directive.args[0]?.text ?? ""} in '${frontend.name}'`,
        );
      },
      defaults(section) {
        checkServerLines(section.directives, section.name);
      },
      backend(backend) {
        checkServerLines(backend.directives, backend.name);
      },
    };
  },
});
