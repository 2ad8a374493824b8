import { defineRule } from "./rule.js";

/**
 * A `userlist` user whose password is written in clear text with `insecure-password`. Anyone
 * who can read the configuration (backups, repositories, support bundles) can log in as them.
 */
export default defineRule({
  meta: {
    id: "insecure-userlist-password",
    severity: "warning",
    description: "A userlist user's password is written in clear text with 'insecure-password'.",
    messages: {
      clearTextPassword:
        "user '{user}' of userlist '{userlist}' has its password in clear text ('insecure-password'): anyone who reads the configuration can log in",
    },
    hints: {
      clearTextPassword:
        "Store a hash instead: generate one with 'mkpasswd -m sha-512' and write 'user {user} password <hash>'.",
    },
  },
  create(context) {
    return {
      config(config) {
        for (const list of config.userlists) {
          for (const d of list.directives) {
            if (d.keyword !== "user") continue;
            // args[0] is the user name; the password keyword follows it.
            const word = d.args.slice(1).find((w) => w.text === "insecure-password");
            if (!word) continue;
            context.report({
              messageId: "clearTextPassword",
              data: { user: d.args[0]?.text ?? "", userlist: list.name },
              span: word.span,
            });
          }
        }
      },
    };
  },
});
