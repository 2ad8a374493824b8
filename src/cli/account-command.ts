import { parseArgs } from "node:util";
import { USER_ROLES, type UserRole } from "../control/api-types.js";
import { LbguardError } from "../errors.js";
import {
  renderTokenCreated,
  renderTokens,
  renderUser,
  renderUsers,
  renderWhoAmI,
} from "./render/account-text.js";
import { escapeControl } from "./render/terminal-safe.js";
import {
  noArguments,
  openControl,
  required,
  runAction,
  SERVER_HELP,
  SERVER_OPTIONS,
} from "./server-options.js";

export const ACCOUNT_HELP = `Usage: lbguard token create --user NAME [--role ROLE] [--label TEXT] [options]
       lbguard token list [options]
       lbguard token revoke ID [options]
       lbguard user create NAME --role ROLE [options]
       lbguard user list [options]
       lbguard whoami [options]

token create  a token acting as a user (admin), printed only this once; the server keeps a hash
token list    every token, with its role and holder, never its secret (admin)
token revoke  the token stops working at once (admin)
user create   a user with a role (admin); roles, weakest first: viewer (read), operator
              (propose, runtime operations, roll out approved changes), approver (review,
              rollback), admin (users, tokens, clusters, nodes, overrides)
user list     every user (admin)
whoami        the user and role of the token in use

Options:
  --user NAME     (token create) the user the token acts as
  --role ROLE     viewer, operator, approver or admin; for a token at most the user's role
                  (default: the user's role)
  --label TEXT    (token create) a note to tell tokens apart, e.g. the laptop or CI job

${SERVER_HELP}

Exit codes: 0 done, 1 refused by the server, 2 usage error or no usable token.
`;

function roleOption(text: string): UserRole {
  if (!(USER_ROLES as readonly string[]).includes(text)) {
    throw new LbguardError("LBG_USAGE", {
      detail: `--role must be one of ${USER_ROLES.join(", ")}, not '${text}'`,
    });
  }
  return text as UserRole;
}

/** `lbguard token create|list|revoke`. */
export async function tokenCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const help = (): number => {
    out(ACCOUNT_HELP);
    return 0;
  };
  return runAction(
    "token",
    argv,
    {
      create: async (args) => {
        const { values, positionals } = parseArgs({
          args,
          allowPositionals: true,
          options: {
            ...SERVER_OPTIONS,
            user: { type: "string" },
            role: { type: "string" },
            label: { type: "string" },
          },
        });
        if (values.help) return help();
        noArguments("token create", positionals);
        const user = required("user", values.user);
        const role = values.role !== undefined ? roleOption(values.role) : undefined;
        const control = openControl(values, out);
        const token = await control.client.createToken({
          user,
          ...(role ? { role } : {}),
          ...(values.label !== undefined ? { label: values.label } : {}),
        });
        control.print(token, (t) => renderTokenCreated(t, control.color));
        return 0;
      },
      list: async (args) => {
        const { values, positionals } = parseArgs({ args, allowPositionals: true, options: SERVER_OPTIONS });
        if (values.help) return help();
        noArguments("token list", positionals);
        const control = openControl(values, out);
        control.print(await control.client.tokens(), (t) => renderTokens(t, control.color));
        return 0;
      },
      revoke: async (args) => {
        const { values, positionals } = parseArgs({ args, allowPositionals: true, options: SERVER_OPTIONS });
        if (values.help) return help();
        if (positionals.length !== 1)
          throw new LbguardError("LBG_USAGE", { detail: "token revoke needs one ID" });
        const control = openControl(values, out);
        const token = await control.client.revokeToken(positionals[0]!);
        control.print(token, (t) => `token ${escapeControl(t.id)} revoked\n`);
        return 0;
      },
    },
    ACCOUNT_HELP,
    out,
  );
}

/** `lbguard user create|list`. */
export async function userCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const help = (): number => {
    out(ACCOUNT_HELP);
    return 0;
  };
  return runAction(
    "user",
    argv,
    {
      create: async (args) => {
        const { values, positionals } = parseArgs({
          args,
          allowPositionals: true,
          options: { ...SERVER_OPTIONS, role: { type: "string" } },
        });
        if (values.help) return help();
        if (positionals.length !== 1)
          throw new LbguardError("LBG_USAGE", { detail: "user create needs one NAME" });
        const role = roleOption(required("role", values.role));
        const control = openControl(values, out);
        control.print(await control.client.createUser({ name: positionals[0]!, role }), renderUser);
        return 0;
      },
      list: async (args) => {
        const { values, positionals } = parseArgs({ args, allowPositionals: true, options: SERVER_OPTIONS });
        if (values.help) return help();
        noArguments("user list", positionals);
        const control = openControl(values, out);
        control.print(await control.client.users(), renderUsers);
        return 0;
      },
    },
    ACCOUNT_HELP,
    out,
  );
}

/** `lbguard whoami`. */
export async function whoamiCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: SERVER_OPTIONS });
  if (values.help) {
    out(ACCOUNT_HELP);
    return 0;
  }
  noArguments("whoami", positionals);
  const control = openControl(values, out);
  control.print(await control.client.whoami(), renderWhoAmI);
  return 0;
}
